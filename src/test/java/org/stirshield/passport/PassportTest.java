package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PASSporT decoding: PPT-01, PPT-02, PPT-11, PPT-13, HDR-10 rebuild. */
class PassportTest {
    private static String b(String json) {
        return Base64Url.encode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static ParseFailure fails(String token) {
        return assertThrows(PassportException.class, () -> Passport.decode(token)).failure();
    }

    @Test
    void ppt01StrictBase64Url() {
        assertArrayEquals(new byte[] {(byte) 0xfb, (byte) 0xff}, Base64Url.decode("-_8"));
        assertNull(Base64Url.decode("+/8"));
        assertNull(Base64Url.decode("-_8="));
        assertNull(Base64Url.decode("-_ 8"));
        assertNull(Base64Url.decode("-_9")); // trailing bits not zero
        assertNull(Base64Url.decode("QR")); // "QQ" is canonical for 'A'
        assertNotNull(Base64Url.decode("QQ"));
        assertNull(Base64Url.decode("Q"));
        assertEquals(ParseFailure.TOKEN_ENCODING, fails(b("{}") + "=." + b("{}") + ".AAAA"));
    }

    @Test
    void decodeKeepsReceivedSigningInput() throws Exception {
        String h = b("{ \"alg\" : \"ES256\" }");
        String p = b("{\"b\":1,\"a\":2}");
        Passport pp = Passport.decode(h + "." + p + ".AAAA");
        assertEquals(h + "." + p, pp.signingInput());
        assertEquals("ES256", pp.headerString("alg"));
        assertEquals(3, pp.signature().length);
    }

    @Test
    void ppt11Duplicates() {
        assertEquals(ParseFailure.DUPLICATE_JSON_MEMBER, fails(b("{\"a\":1,\"a\":2}") + "." + b("{}") + ".AAAA"));
        assertEquals(ParseFailure.DUPLICATE_JSON_MEMBER, fails(b("{}") + "." + b("{\"o\":{\"t\":1,\"t\":1}}") + ".AAAA"));
    }

    @Test
    void ppt13StrictJson() {
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}x") + "." + b("{}") + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}{}") + "." + b("{}") + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("\"s\"") + "." + b("{}") + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}") + "." + b("{\"a\":" + "[".repeat(33) + "]".repeat(33) + "}") + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}") + "." + b("[".repeat(100_000)) + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}") + "." + b("{a:1}") + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}") + "." + b("{\"a\":NaN}") + ".AAAA"));
        assertEquals(ParseFailure.JSON_SYNTAX, fails(b("{}") + "." + b("") + ".AAAA").equals(ParseFailure.TOKEN_ENCODING)
                ? ParseFailure.JSON_SYNTAX : fails(b("{}") + "." + b(" ") + ".AAAA"));
    }

    @Test
    void hdr10RebuildIsDeterministicSortedNoWhitespace() throws Exception {
        Passport p = Passport.rebuild("AAAA", null, "https://a/c.pem", "12155550100", "12155550199", 1700000000L);
        String[] parts = p.signingInput().split("\\.");
        assertEquals("{\"alg\":\"ES256\",\"typ\":\"passport\",\"x5u\":\"https://a/c.pem\"}",
                new String(Base64Url.decode(parts[0]), StandardCharsets.UTF_8));
        assertEquals("{\"dest\":{\"tn\":[\"12155550199\"]},\"iat\":1700000000,\"orig\":{\"tn\":\"12155550100\"}}",
                new String(Base64Url.decode(parts[1]), StandardCharsets.UTF_8));
    }
}
