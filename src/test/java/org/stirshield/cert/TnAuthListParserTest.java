package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.junit.jupiter.api.Test;
import org.stirshield.testing.TestPki;

/** CRT-08 TNAuthList decoding, CRT-09/10 coverage. */
class TnAuthListParserTest {
    private static byte[] seq(ASN1Encodable... entries) throws Exception {
        return new DERSequence(entries).getEncoded();
    }

    private static CredentialFailure fails(byte[] der) {
        return assertThrows(CredentialException.class, () -> TnAuthListParser.parse(der)).failure();
    }

    @Test
    void crt08SpcOnlyExactBytes() throws Exception {
        // SEQUENCE { [0] EXPLICIT IA5String "5807" } = 30 08 A0 06 16 04 35 38 30 37
        TnAuthList l = TnAuthListParser.parse(HexFormat.of().parseHex("3008a00616043538303 7".replace(" ", "")));
        assertEquals(List.of("5807"), l.spcs());
        assertFalse(l.hasTnEntries());
        assertEquals("5807", l.spc());
    }

    @Test
    void crt08RangeAndOne() throws Exception {
        TnAuthList l = TnAuthListParser.parse(seq(
                new DERTaggedObject(true, 1, new DERSequence(new ASN1Encodable[] {new DERIA5String("12155550100"), new ASN1Integer(100)})),
                new DERTaggedObject(true, 2, new DERIA5String("12155559999"))));
        assertTrue(l.hasTnEntries());
        assertTrue(l.covers("12155550100"));
        assertTrue(l.covers("12155550199")); // CRT-10 inclusive end: start + count - 1
        assertFalse(l.covers("12155550200"));
        assertFalse(l.covers("1215555010")); // other length
        assertTrue(l.covers("12155559999"));
        assertFalse(l.covers("12155559998"));
    }

    @Test
    void crt08ImplicitTaggingIsMalformed() throws Exception {
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(false, 0, new DERIA5String("5807")))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(false, 1,
                new DERSequence(new ASN1Encodable[] {new DERIA5String("12155550100"), new ASN1Integer(100)})))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(false, 2, new DERIA5String("1215")))));
    }

    @Test
    void crt08BadContents() throws Exception {
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq())); // SIZE (1..MAX)
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(new DERIA5String("https://ca.example/TNAuthList").getEncoded()));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(true, 3, new DERIA5String("1")))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(true, 2, new DERIA5String("12a4")))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(true, 2, new DERIA5String("1234567890123456")))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(true, 2, new DERIA5String("")))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(true, 0, new DERUTF8String("5807")))));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(seq(new DERTaggedObject(true, 1,
                new DERSequence(new ASN1Encodable[] {new DERIA5String("12155550100"), new ASN1Integer(1)}))))); // count >= 2
        byte[] ok = seq(new DERTaggedObject(true, 0, new DERIA5String("5807")));
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 2);
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(trailing));
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(new byte[] {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
    }

    @Test
    void crt08FromCertificate() throws Exception {
        TestPki.Issued root = TestPki.root("r", java.time.Instant.parse("2020-01-01T00:00:00Z"), java.time.Instant.parse("2040-01-01T00:00:00Z"));
        TestPki.LeafSpec spec = new TestPki.LeafSpec().spc("ABC1").number("12155550100");
        TnAuthList l = TnAuthListParser.fromCertificate(TestPki.leaf(root, spec).cert());
        assertEquals("ABC1", l.spc());
        assertEquals(List.of("12155550100"), l.numbers());
        TestPki.LeafSpec none = new TestPki.LeafSpec();
        none.noTnAuthList = true;
        assertEquals(CredentialFailure.TNAUTHLIST_MISSING, assertThrows(CredentialException.class,
                () -> TnAuthListParser.fromCertificate(TestPki.leaf(root, none).cert())).failure());
    }
}
