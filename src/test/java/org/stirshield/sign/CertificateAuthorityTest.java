package org.stirshield.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.stirshield.cert.TnAuthList;

class CertificateAuthorityTest {

    @Test
    void issuesAChainThatPkixValidatesToTheRoot() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Test STI-CA Root");
        CertificateAuthority inter = root.intermediate("Test STI-CA Issuing");
        LeafCertificate leaf = inter.issueLeaf(LeafSpec.spc("1234"));

        assertEquals(2, leaf.chain().size());
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        var path = cf.generateCertPath(leaf.chain());
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root.certificate(), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(path, params);

        X509Certificate cert = leaf.certificate();
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertEquals(-1, cert.getBasicConstraints());
        assertTrue(cert.getCriticalExtensionOIDs().contains("2.5.29.15"), "keyUsage critical");
        assertEquals(2, cf.generateCertificates(new java.io.ByteArrayInputStream(
                leaf.chainPem().getBytes(StandardCharsets.US_ASCII))).size());
    }

    @Test
    void tnAuthListIsExplicitlyTaggedPerRfc8226() throws Exception {
        // CRT-08: spc [0] EXPLICIT IA5String, range [1] EXPLICIT SEQUENCE, one [2] EXPLICIT IA5String
        CertificateAuthority root = CertificateAuthority.root("Root");
        LeafCertificate leaf = root.issueLeaf(LeafSpec.spc("5807").withNumbers("861012308").withRange("12155550100", 100));
        byte[] ext = leaf.certificate().getExtensionValue(TnAuthList.OID);
        ASN1Sequence seq = ASN1Sequence.getInstance(ASN1OctetString.getInstance(ext).getOctets());
        assertEquals(3, seq.size());
        ASN1TaggedObject spc = ASN1TaggedObject.getInstance(seq.getObjectAt(0));
        assertEquals(0, spc.getTagNo());
        assertTrue(spc.isExplicit());
        assertEquals("5807", DERIA5String.getInstance(spc.getExplicitBaseObject()).getString());
        ASN1TaggedObject range = ASN1TaggedObject.getInstance(seq.getObjectAt(1));
        assertEquals(1, range.getTagNo());
        ASN1TaggedObject one = ASN1TaggedObject.getInstance(seq.getObjectAt(2));
        assertEquals(2, one.getTagNo());
        assertEquals("861012308", DERIA5String.getInstance(one.getExplicitBaseObject()).getString());
        // encoding starts 30 len A0 len 16 ...
        byte[] der = ASN1OctetString.getInstance(ext).getOctets();
        assertEquals((byte) 0x30, der[0]);
        assertEquals((byte) 0xA0, der[2]);
        assertEquals((byte) 0x16, der[4]);
    }

    @Test
    void variationsAreHonoured() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Root");
        LeafCertificate noKu = root.issueLeaf(LeafSpec.spc("1").withKeyUsage(KeyUsage.keyEncipherment).withoutTnAuthList());
        assertFalse(noKu.certificate().getKeyUsage()[0]);
        assertEquals(null, noKu.certificate().getExtensionValue(TnAuthList.OID));
        LeafCertificate rsa = root.issueLeaf(LeafSpec.spc("1").withKeyType(KeyType.RSA_2048));
        assertEquals("RSA", rsa.certificate().getPublicKey().getAlgorithm());
        LeafCertificate revoked = root.issueLeaf(LeafSpec.spc("1").withCrlDistributionPoint("http://crl.example/ca.crl"));
        var crl = root.crl(java.time.Instant.now(), java.time.Instant.now().plusSeconds(3600),
                revoked.certificate().getSerialNumber());
        crl.verify(root.certificate().getPublicKey());
        assertTrue(crl.isRevoked(revoked.certificate()));
        assertFalse(crl.isRevoked(noKu.certificate()));
        CertificateAuthority leafAsIssuer = CertificateAuthority.of(root.issueLeaf(LeafSpec.spc("9")));
        LeafCertificate grandchild = leafAsIssuer.issueLeaf(LeafSpec.spc("8"));
        assertEquals(2, grandchild.chain().size());
    }

    @Test
    void passportSignatureIsRawEs256OverTheSigningInput() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Root");
        LeafCertificate leaf = root.issueLeaf(LeafSpec.spc("1234"));
        String jws = PassportSigner.shaken(leaf.privateKey(), "https://cert.example/sp.pem", "A",
                "12155550100", List.of("12155550101"), 1_700_000_000L, "de305d54-75b4-431b-adb2-eb6b9e546014");
        String[] parts = jws.split("\\.");
        assertEquals(3, parts.length);
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        assertEquals("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"https://cert.example/sp.pem\"}", header);
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertEquals("{\"attest\":\"A\",\"dest\":{\"tn\":[\"12155550101\"]},\"iat\":1700000000,"
                + "\"orig\":{\"tn\":\"12155550100\"},\"origid\":\"de305d54-75b4-431b-adb2-eb6b9e546014\"}", claims);
        byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
        assertEquals(64, sig.length);
        Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
        v.initVerify(leaf.certificate());
        v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertTrue(v.verify(sig));
        assertEquals(jws + ";info=<https://cert.example/sp.pem>;alg=ES256;ppt=shaken",
                PassportSigner.identityHeader(jws, "https://cert.example/sp.pem"));
    }
}
