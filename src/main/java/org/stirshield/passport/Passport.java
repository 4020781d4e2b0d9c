package org.stirshield.passport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A decoded PASSporT (RFC 8225): its protected header and claims as parsed by a strict JSON parser,
 * the exact signing input as received (PPT-16: never re-serialized) and the raw signature bytes.
 *
 * @param header the JOSE header object
 * @param claims the claims object
 * @param signingInput {@code BASE64URL(header) "." BASE64URL(claims)} exactly as received (full form) or
 *     as rebuilt deterministically (compact form, HDR-10)
 * @param signature the decoded signature bytes (length not yet checked)
 * @param compact whether the PASSporT came in compact form
 */
public record Passport(ObjectNode header, ObjectNode claims, String signingInput, byte[] signature, boolean compact) {

    /** Nesting depth limit of the JSON parser (PPT-13). */
    public static final int MAX_DEPTH = 32;

    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(64).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private static final ObjectMapper CANONICAL = new ObjectMapper();

    /**
     * Decodes a full-form PASSporT {@code h.p.s} (PPT-01, PPT-02, PPT-11, PPT-13). The token's syntax
     * (HDR-02) is assumed checked by {@link IdentityHeader#parse}; bare tokens are checked here too.
     */
    public static Passport decode(String token) throws PassportException {
        int d1 = token.indexOf('.');
        int d2 = d1 < 0 ? -1 : token.indexOf('.', d1 + 1);
        if (d1 <= 0 || d2 <= d1 + 1 || d2 == token.length() - 1 || token.indexOf('.', d2 + 1) >= 0) {
            throw new PassportException(ParseFailure.TOKEN_ENCODING, "PASSporT is not h.p.s (HDR-02)");
        }
        byte[] h = Base64Url.decode(token, 0, d1);
        byte[] p = Base64Url.decode(token, d1 + 1, d2);
        byte[] s = Base64Url.decode(token, d2 + 1, token.length());
        if (h == null || p == null || s == null) {
            throw new PassportException(ParseFailure.TOKEN_ENCODING, "segment is not canonical unpadded base64url (PPT-01)");
        }
        return new Passport(object(h, "header"), object(p, "claims"), token.substring(0, d2), s, false);
    }

    /**
     * Rebuilds a compact-form base PASSporT (RFC 8225 §7, §9; HDR-10): header
     * {@code {"alg":"ES256",["ppt":..,]"typ":"passport","x5u":info}}, claims
     * {@code {"dest":{"tn":[dest]},"iat":iat,"orig":{"tn":orig}}}, keys sorted, no whitespace, UTF-8.
     */
    public static Passport rebuild(String signatureSegment, String ppt, String x5u, String origTn, String destTn, long iat)
            throws PassportException {
        byte[] s = Base64Url.decode(signatureSegment);
        if (s == null) {
            throw new PassportException(ParseFailure.TOKEN_ENCODING, "signature is not canonical unpadded base64url (PPT-01)");
        }
        Map<String, Object> header = new TreeMap<>();
        header.put("alg", "ES256");
        if (ppt != null) {
            header.put("ppt", ppt);
        }
        header.put("typ", "passport");
        header.put("x5u", x5u);
        Map<String, Object> claims = new TreeMap<>();
        claims.put("dest", Map.of("tn", List.of(destTn)));
        claims.put("iat", iat);
        claims.put("orig", Map.of("tn", origTn));
        try {
            byte[] h = CANONICAL.writeValueAsBytes(header);
            byte[] p = CANONICAL.writeValueAsBytes(claims);
            String input = Base64Url.encode(h) + "." + Base64Url.encode(p);
            return new Passport(object(h, "header"), object(p, "claims"), input, s, true);
        } catch (JsonProcessingException e) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, "cannot rebuild compact form");
        }
    }

    /**
     * Parses any JSON value with the same strict parser as PASSporT claims (PPT-11, PPT-13): for content
     * a claim refers to, such as a jCard fetched from an RCD {@code jcl} URL (RFC 9795).
     */
    public static JsonNode json(byte[] json, String what) throws PassportException {
        try (JsonParser parser = STRICT.createParser(json)) {
            JsonNode node = STRICT.readTree(parser);
            if (node == null) {
                throw new PassportException(ParseFailure.JSON_SYNTAX, what + " is empty");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " JSON exceeds a parser limit (PPT-13)");
        } catch (JsonProcessingException e) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " is not strict JSON (PPT-13)");
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " is not valid JSON (PPT-13)");
        }
    }

    private static ObjectNode object(byte[] json, String what) throws PassportException {
        JsonNode node;
        try (JsonParser parser = STRICT.createParser(json)) {
            node = STRICT.readTree(parser);
        } catch (StreamConstraintsException e) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " JSON exceeds a parser limit (PPT-13)");
        } catch (JsonProcessingException e) {
            String m = String.valueOf(e.getOriginalMessage());
            if (m.startsWith("Duplicate field") || m.contains("Duplicate field")) {
                throw new PassportException(ParseFailure.DUPLICATE_JSON_MEMBER, what + " JSON has a duplicate member (PPT-11)");
            }
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " is not strict JSON (PPT-13)");
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " is not valid JSON (PPT-13)");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new PassportException(ParseFailure.JSON_SYNTAX, what + " is not a JSON object (PPT-02, PPT-13)");
        }
        return obj;
    }

    /** A header parameter as a string, or null when absent; a non-string value is returned as null too. */
    public String headerString(String name) {
        JsonNode n = header.get(name);
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    /** Whether a header parameter is present (with any type). */
    public boolean hasHeader(String name) {
        return header.has(name);
    }

    /** SHA-256 (lowercase hex) of the ASCII signing input: the replay key (never the signature, PPT-15). */
    public String digest() {
        return HexFormat.of().formatHex(Sha256.digest(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }
}
