package org.stirshield.sign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stirshield.passport.CanonicalJson;
import org.stirshield.passport.IntegrityDigest;
import org.stirshield.passport.JsonPointer;

/**
 * The Rich Call Data claims an authentication service puts into a PASSporT (RFC 9795): the {@code rcd}
 * object ({@code nam}, {@code icn}, {@code jcd} or {@code jcl}, {@code apn}), the call reason
 * {@code crn}, and the integrity claim {@code rcdi} (JSON pointer into {@code rcd} → {@code sha256-<base64>}
 * digest of the content at the URL it points at, or of the canonical JSON, RFC 8785, of the value).
 * Immutable; the {@code with...} methods return a copy.
 *
 * @param name display name ({@code nam}), or null
 * @param icon https URL of an icon ({@code icn}), or null
 * @param jcl https URL of a jCard ({@code jcl}), or null
 * @param jcd an inline jCard ({@code jcd}, a JSON array), or null; never together with {@code jcl}
 * @param apn alternate presentation number ({@code apn}), or null
 * @param callReason the call reason ({@code crn}), or null
 * @param rcdi JSON pointer → digest, in order; empty for none
 */
public record RcdClaims(String name, String icon, String jcl, JsonNode jcd, String apn, String callReason,
        Map<String, String> rcdi) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public RcdClaims {
        if (jcd != null && jcl != null) {
            throw new IllegalArgumentException("rcd: jcd and jcl must not both be given (RFC 9795)");
        }
        if (jcd != null && !jcd.isArray()) {
            throw new IllegalArgumentException("rcd: jcd must be a jCard (a JSON array)");
        }
        for (String url : new String[] {icon, jcl}) {
            if (url != null && !url.regionMatches(true, 0, "https://", 0, 8)) {
                throw new IllegalArgumentException("rcd: icn and jcl must be https URLs: " + url);
            }
        }
        rcdi = rcdi == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rcdi));
    }

    /** No RCD at all. */
    public static RcdClaims none() {
        return new RcdClaims(null, null, null, null, null, null, Map.of());
    }

    /** Just a display name. */
    public static RcdClaims name(String name) {
        return none().withName(name);
    }

    public RcdClaims withName(String n) {
        return new RcdClaims(n, icon, jcl, jcd, apn, callReason, rcdi);
    }

    public RcdClaims withIcon(String url) {
        return new RcdClaims(name, url, jcl, jcd, apn, callReason, rcdi);
    }

    public RcdClaims withJcl(String url) {
        return new RcdClaims(name, icon, url, jcd, apn, callReason, rcdi);
    }

    public RcdClaims withJcd(JsonNode jcard) {
        return new RcdClaims(name, icon, jcl, jcard, apn, callReason, rcdi);
    }

    public RcdClaims withApn(String number) {
        return new RcdClaims(name, icon, jcl, jcd, number, callReason, rcdi);
    }

    public RcdClaims withCallReason(String reason) {
        return new RcdClaims(name, icon, jcl, jcd, apn, reason, rcdi);
    }

    /** Adds {@code pointer → sha256 of content}: the content at the URL the pointer names (an icon, a jCard, a logo). */
    public RcdClaims withDigest(String pointer, byte[] content) {
        JsonPointer.parse(pointer); // refuse a malformed pointer now
        Map<String, String> m = new LinkedHashMap<>(rcdi);
        m.put(pointer, IntegrityDigest.of("sha256", content).toString());
        return new RcdClaims(name, icon, jcl, jcd, apn, callReason, m);
    }

    /** Adds {@code pointer → sha256 of the canonical JSON of the value it names in rcd} (e.g. {@code /jcd}). */
    public RcdClaims withValueDigest(String pointer) {
        JsonNode v = JsonPointer.parse(pointer).resolve(rcd());
        if (v == null) {
            throw new IllegalArgumentException("rcdi: " + pointer + " names nothing in the rcd claim");
        }
        return withDigest(pointer, CanonicalJson.bytes(v));
    }

    /** Whether there is anything to put in a PASSporT. */
    public boolean isEmpty() {
        return name == null && icon == null && jcl == null && jcd == null && apn == null && callReason == null;
    }

    /** Whether there is an {@code rcd} object (a PASSporT with only {@code crn} has none). */
    public boolean hasRcd() {
        return name != null || icon != null || jcl != null || jcd != null || apn != null;
    }

    /** The {@code rcd} claim object. */
    public ObjectNode rcd() {
        ObjectNode o = JSON.createObjectNode();
        if (apn != null) {
            o.put("apn", apn);
        }
        if (icon != null) {
            o.put("icn", icon);
        }
        if (jcd != null) {
            o.set("jcd", jcd);
        }
        if (jcl != null) {
            o.put("jcl", jcl);
        }
        if (name != null) {
            o.put("nam", name);
        }
        return o;
    }

    /** Puts {@code rcd}, {@code crn} and {@code rcdi} into a PASSporT's claims. */
    public void addTo(Map<String, Object> claims) {
        if (hasRcd()) {
            claims.put("rcd", rcd());
        }
        if (callReason != null) {
            claims.put("crn", callReason);
        }
        if (!rcdi.isEmpty()) {
            claims.put("rcdi", rcdi);
        }
    }
}
