package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.stirshield.verify.Reason;

/** RFC 8224 §4 Identity header parsing: HDR-01..05, HDR-09. */
class IdentityHeaderTest {
    private static final String T = "eyJh.eyJi.c2ln";

    private static Reason fails(String v) {
        return assertThrows(PassportException.class, () -> IdentityHeader.parse(v, 8192)).reason();
    }

    @Test
    void hdr01FullForm() throws Exception {
        IdentityHeader h = IdentityHeader.parse(T + ";info=<https://a.example/c.pem>;alg=ES256;ppt=shaken", 8192);
        assertEquals(T, h.token());
        assertEquals("https://a.example/c.pem", h.info());
        assertEquals("ES256", h.alg());
        assertEquals("shaken", h.ppt());
    }

    @Test
    void hdr03OrderSpacingQuotingCaseUnknownParams() throws Exception {
        IdentityHeader h = IdentityHeader.parse("  " + T + " ;\tPPT = \"shaken\" ; x-foo=bar;Info= <https://a.example/c.pem;x=1> ;ALG=ES256 ", 8192);
        assertEquals("shaken", h.ppt());
        assertEquals("https://a.example/c.pem;x=1", h.info());
        assertEquals("ES256", h.alg());
        IdentityHeader noAlg = IdentityHeader.parse(T + ";info=<https://a.example/c.pem>", 8192);
        assertNull(noAlg.alg());
        assertNull(noAlg.ppt());
        assertEquals("sh\"aken", IdentityHeader.parse(T + ";info=<https://a/>;ppt=\"sh\\\"aken\"", 8192).ppt());
    }

    @Test
    void hdr01InfoRules() {
        assertEquals(Reason.BAD_INFO, fails(T));
        assertEquals(Reason.BAD_INFO, fails(T + ";info=https://a.example/c.pem"));
        assertEquals(Reason.BAD_INFO, fails(T + ";info=\"https://a.example/c.pem\""));
        assertEquals(Reason.BAD_INFO, fails(T + ";info=<a.example/c.pem>"));
        assertEquals(Reason.BAD_INFO, fails(T + ";info=<https://a.example/c pem>"));
        assertEquals(Reason.BAD_INFO, fails(T + ";info=<https://a.example/c.pem"));
        assertEquals(Reason.MALFORMED_IDENTITY, fails(""));
        assertEquals(Reason.MALFORMED_IDENTITY, fails(";info=<https://a/>"));
        assertEquals(Reason.MALFORMED_IDENTITY, fails(T + ";;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_IDENTITY, fails(T + ";info=<https://a/>;ppt=\"shaken"));
    }

    @Test
    void hdr02DigestSyntax() {
        assertEquals(Reason.MALFORMED_TOKEN, fails("foo;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails("a.b;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails("a.b.c.d;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails("a.b.;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails(".b.c;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails("a..c;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails("a=.b.c;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_TOKEN, fails("o=<https://a/>;alg=ES256;ppt=\"shaken\""));
    }

    @Test
    void hdr10CompactFormRecognised() throws Exception {
        IdentityHeader h = IdentityHeader.parse("..c2ln;info=<https://a/>;ppt=shaken", 8192);
        assertTrue(h.compactForm());
    }

    @Test
    void hdr03RepeatedParams() {
        assertEquals(Reason.MALFORMED_IDENTITY, fails(T + ";info=<https://a/>;info=<https://a/>"));
        assertEquals(Reason.MALFORMED_IDENTITY, fails(T + ";info=<https://a/>;alg=ES256;ALG=ES256"));
        assertEquals(Reason.MALFORMED_IDENTITY, fails(T + ";info=<https://a/>;ppt=shaken;Ppt=shaken"));
    }

    @Test
    void hdr09Oversize() {
        assertEquals(Reason.OVERSIZE, assertThrows(PassportException.class,
                () -> IdentityHeader.parse("a".repeat(100) + ".b.c;info=<https://a/>", 64)).reason());
    }
}
