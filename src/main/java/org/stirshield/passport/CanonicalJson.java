package org.stirshield.passport;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The JSON Canonicalization Scheme (RFC 8785) for the values a digest may cover inside a PASSporT claim
 * (an {@code rcdi} entry that points at a JSON value rather than at a URL): object members sorted by
 * their UTF-16 code units, no whitespace, strings with only the escapes RFC 8785 §3.2.2.2 prescribes.
 * Numbers: integers only (jCards carry none other); a fractional or exponent number is refused, because
 * its ECMAScript serialization is not reproduced here.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    /** The canonical UTF-8 bytes of {@code value}. */
    public static byte[] bytes(JsonNode value) {
        StringBuilder b = new StringBuilder(256);
        write(b, value, 0);
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder b, JsonNode n, int depth) {
        if (depth > Passport.MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested too deeply");
        }
        if (n == null || n.isNull() || n.isMissingNode()) {
            b.append("null");
        } else if (n.isBoolean()) {
            b.append(n.booleanValue());
        } else if (n.isIntegralNumber()) {
            b.append(n.bigIntegerValue());
        } else if (n.isNumber()) {
            throw new IllegalArgumentException("non-integer JSON number not supported by this canonicalization");
        } else if (n.isTextual()) {
            string(b, n.textValue());
        } else if (n.isArray()) {
            b.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                write(b, n.get(i), depth + 1);
            }
            b.append(']');
        } else if (n.isObject()) {
            List<String> names = new ArrayList<>(n.size());
            for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
                names.add(it.next());
            }
            names.sort(null); // String.compareTo orders by UTF-16 code units (RFC 8785 §3.2.3)
            b.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                string(b, names.get(i));
                b.append(':');
                write(b, n.get(names.get(i)), depth + 1);
            }
            b.append('}');
        } else {
            throw new IllegalArgumentException("not a JSON value: " + n.getNodeType());
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
