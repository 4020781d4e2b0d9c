package org.stirshield.sign;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.impl.ECDSA;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The authentication side: signs PASSporTs (RFC 8225) with ES256 and builds SIP Identity header values
 * (RFC 8224 §4). JSON is serialized deterministically (RFC 8225 §9: keys sorted, no whitespace).
 */
public final class PassportSigner {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private PassportSigner() {
    }

    /** A SHAKEN PASSporT (RFC 8588): header {alg, ppt, typ, x5u}, claims {attest, dest, iat, orig, origid}. */
    public static String shaken(PrivateKey key, String x5u, String attest, String origTn, List<String> destTns,
            long iat, String origid) {
        return shaken(key, x5u, attest, origTn, destTns, iat, origid, RcdClaims.none());
    }

    /** A SHAKEN PASSporT carrying Rich Call Data (RFC 9795, ATIS-1000094): the SHAKEN claims plus rcd, crn, rcdi. */
    public static String shaken(PrivateKey key, String x5u, String attest, String origTn, List<String> destTns,
            long iat, String origid, RcdClaims rcd) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("attest", attest);
        claims.put("dest", Map.of("tn", destTns));
        claims.put("iat", iat);
        claims.put("orig", Map.of("tn", origTn));
        claims.put("origid", origid == null ? UUID.randomUUID().toString() : origid);
        rcd.addTo(claims);
        return sign(key, shakenHeader(x5u), claims);
    }

    /**
     * A div PASSporT (RFC 8946 §3, ATIS-1000085), signed by the party that forwards a call: header
     * {alg, ppt:"div", typ, x5u}, claims {dest: the new target, div: {tn: the number diverted from}, iat,
     * orig: the original PASSporT's orig} and, when given, the original PASSporT's origid.
     */
    public static String div(PrivateKey key, String x5u, String origTn, List<String> destTns, String divTn, long iat,
            String origid) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("dest", Map.of("tn", destTns));
        claims.put("div", Map.of("tn", divTn));
        claims.put("iat", iat);
        claims.put("orig", Map.of("tn", origTn));
        if (origid != null) {
            claims.put("origid", origid);
        }
        return sign(key, header(x5u, "div"), claims);
    }

    /** An rcd PASSporT (RFC 9795): header {alg, ppt:"rcd", typ, x5u}, claims {dest, iat, orig, rcd, crn, rcdi}. */
    public static String rcd(PrivateKey key, String x5u, String origTn, List<String> destTns, long iat, RcdClaims rcd) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("dest", Map.of("tn", destTns));
        claims.put("iat", iat);
        claims.put("orig", Map.of("tn", origTn));
        rcd.addTo(claims);
        return sign(key, header(x5u, "rcd"), claims);
    }

    /** The protected header of a SHAKEN PASSporT. */
    public static Map<String, Object> shakenHeader(String x5u) {
        return header(x5u, "shaken");
    }

    /** The protected header of a PASSporT of type {@code ppt} (RFC 8225 §8.1). */
    public static Map<String, Object> header(String x5u, String ppt) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("ppt", ppt);
        header.put("typ", "passport");
        header.put("x5u", x5u);
        return header;
    }

    /** Signs any header and claims (maps serialize with sorted keys). */
    public static String sign(PrivateKey key, Map<String, ?> header, Map<String, ?> claims) {
        try {
            return signRaw(key, JSON.writeValueAsString(header), JSON.writeValueAsString(claims));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize PASSporT", e);
        }
    }

    /**
     * Signs exactly these JSON texts (which need not be valid JSON: negative tests use this to make
     * tokens with duplicate members, deep nesting, and the like).
     */
    public static String signRaw(PrivateKey key, String headerJson, String claimsJson) {
        String signingInput = B64.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        return signingInput + "." + B64.encodeToString(signature(key, signingInput));
    }

    /** The ES256 signature (RFC 7518 §3.4: 64 bytes R‖S) over the ASCII signing input. */
    public static byte[] signature(PrivateKey key, String signingInput) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return ECDSA.transcodeSignatureToConcat(s.sign(), 64);
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalStateException("cannot sign", e);
        }
    }

    /** An Identity header value: {@code <jws>;info=<x5u>;alg=ES256;ppt=shaken} (RFC 8224 §4, RFC 8588). */
    public static String identityHeader(String jws, String x5u) {
        return identityHeader(jws, x5u, "shaken");
    }

    /** An Identity header value for a PASSporT of type {@code ppt}: {@code <jws>;info=<x5u>;alg=ES256;ppt=<ppt>}. */
    public static String identityHeader(String jws, String x5u, String ppt) {
        return jws + ";info=<" + x5u + ">;alg=ES256;ppt=" + ppt;
    }
}
