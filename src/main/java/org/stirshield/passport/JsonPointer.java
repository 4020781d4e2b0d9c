package org.stirshield.passport;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Pointer (RFC 6901): {@code /jcd/1/8/3} names a value inside a JSON document, the way RFC 9795's
 * {@code rcdi} claim names the parts of the {@code rcd} claim its digests cover. Bounded: at most
 * {@link #MAX_TOKENS} reference tokens, {@link #MAX_CHARS} characters.
 */
public final class JsonPointer {
    public static final int MAX_TOKENS = 16;
    public static final int MAX_CHARS = 256;

    private final List<String> tokens;

    private JsonPointer(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    /**
     * Parses a pointer: empty (the whole document) or {@code /} followed by reference tokens, in which
     * {@code ~1} is {@code /} and {@code ~0} is {@code ~} (RFC 6901 §3, §4).
     *
     * @throws IllegalArgumentException when it is not a pointer or exceeds the bounds
     */
    public static JsonPointer parse(String text) {
        if (text == null || text.length() > MAX_CHARS) {
            throw new IllegalArgumentException("JSON pointer missing or longer than " + MAX_CHARS + " characters");
        }
        List<String> out = new ArrayList<>();
        if (text.isEmpty()) {
            return new JsonPointer(out);
        }
        if (text.charAt(0) != '/') {
            throw new IllegalArgumentException("JSON pointer does not start with '/': " + text);
        }
        for (String raw : text.substring(1).split("/", -1)) {
            StringBuilder b = new StringBuilder(raw.length());
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '~') {
                    char n = i + 1 < raw.length() ? raw.charAt(i + 1) : 0;
                    if (n != '0' && n != '1') {
                        throw new IllegalArgumentException("JSON pointer has '~' not followed by 0 or 1: " + text);
                    }
                    b.append(n == '0' ? '~' : '/');
                    i++;
                } else {
                    b.append(c);
                }
            }
            out.add(b.toString());
            if (out.size() > MAX_TOKENS) {
                throw new IllegalArgumentException("JSON pointer has more than " + MAX_TOKENS + " tokens");
            }
        }
        return new JsonPointer(out);
    }

    /** The reference tokens, unescaped. */
    public List<String> tokens() {
        return tokens;
    }

    /** This pointer without its first token. */
    public JsonPointer tail() {
        return new JsonPointer(tokens.isEmpty() ? List.of() : tokens.subList(1, tokens.size()));
    }

    /**
     * The value this pointer names in {@code document}, or null when there is none. An array index is
     * {@code 0} or a decimal number without leading zeros (RFC 6901 §4).
     */
    public JsonNode resolve(JsonNode document) {
        JsonNode n = document;
        for (String t : tokens) {
            if (n == null) {
                return null;
            }
            if (n.isObject()) {
                n = n.get(t);
            } else if (n.isArray()) {
                if (t.isEmpty() || t.length() > 9 || !t.chars().allMatch(Character::isDigit)
                        || (t.length() > 1 && t.charAt(0) == '0')) {
                    return null;
                }
                n = n.get(Integer.parseInt(t));
            } else {
                return null;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (String t : tokens) {
            b.append('/').append(t.replace("~", "~0").replace("/", "~1"));
        }
        return b.toString();
    }
}
