package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** RFC 8224 §4 Identity header parsing: HDR-01..05, HDR-09. */
class IdentityHeaderTest {
    private static final String T = "eyJh.eyJi.c2ln";

    private static ParseFailure fails(String v) {
        return assertThrows(PassportException.class, () -> IdentityHeader.parse(v, 8192)).failure();
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
        assertEquals(ParseFailure.INFO_PARAMETER, fails(T));
        assertEquals(ParseFailure.INFO_PARAMETER, fails(T + ";info=https://a.example/c.pem"));
        assertEquals(ParseFailure.INFO_PARAMETER, fails(T + ";info=\"https://a.example/c.pem\""));
        assertEquals(ParseFailure.INFO_PARAMETER, fails(T + ";info=<a.example/c.pem>"));
        assertEquals(ParseFailure.INFO_PARAMETER, fails(T + ";info=<https://a.example/c pem>"));
        assertEquals(ParseFailure.INFO_PARAMETER, fails(T + ";info=<https://a.example/c.pem"));
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(""));
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(";info=<https://a/>"));
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(T + ";;info=<https://a/>"));
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(T + ";info=<https://a/>;ppt=\"shaken"));
    }

    @Test
    void hdr02DigestSyntax() {
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("foo;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("a.b;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("a.b.c.d;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("a.b.;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails(".b.c;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("a..c;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("a=.b.c;info=<https://a/>"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails("o=<https://a/>;alg=ES256;ppt=\"shaken\""));
    }

    @Test
    void hdr10CompactFormRecognised() throws Exception {
        IdentityHeader h = IdentityHeader.parse("..c2ln;info=<https://a/>;ppt=shaken", 8192);
        assertTrue(h.compactForm());
    }

    @Test
    void hdr03RepeatedParams() {
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(T + ";info=<https://a/>;info=<https://a/>"));
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(T + ";info=<https://a/>;alg=ES256;ALG=ES256"));
        assertEquals(ParseFailure.IDENTITY_SYNTAX, fails(T + ";info=<https://a/>;ppt=shaken;Ppt=shaken"));
    }

    @Test
    void hdr09Oversize() {
        assertEquals(ParseFailure.HEADER_TOO_LONG, assertThrows(PassportException.class,
                () -> IdentityHeader.parse("a".repeat(100) + ".b.c;info=<https://a/>", 64)).failure());
    }
}
