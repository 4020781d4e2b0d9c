package org.stirshield.passport;

import java.util.Locale;

/**
 * One SIP Identity header field value (RFC 8224 §4):
 * {@code signed-identity-digest SEMI "info" EQUAL <absoluteURI> *( SEMI ident-info-params )}.
 *
 * @param token the PASSporT in compact serialization: full form {@code h.p.s} or compact form {@code ..s}
 * @param info the info URI without the angle brackets
 * @param alg the alg parameter, or null when absent (HDR-04: optional)
 * @param ppt the ppt parameter (quotes removed), or null when absent
 */
public record IdentityHeader(String token, String info, String alg, String ppt) {


    /** Whether the token is the compact form {@code ..signature} (RFC 8225 §7). */
    public boolean compactForm() {
        return token.startsWith("..");
    }

    /**
     * Parses a header value. Size is checked first, in O(1), before any scanning (HDR-09); the scan is
     * a single O(n) pass.
     *
     * @throws PassportException oversize, malformed_identity, malformed_token, bad_info, unsupported_alg
     */
    public static IdentityHeader parse(String value, int maxChars) throws PassportException {
        if (value == null) {
            throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "empty Identity header");
        }
        if (value.length() > maxChars) {
            throw new PassportException(ParseFailure.HEADER_TOO_LONG, "Identity header longer than " + maxChars + " characters (HDR-09)");
        }
        int n = value.length();
        int i = skipWs(value, 0);
        int start = i;
        while (i < n && value.charAt(i) != ';') {
            i++;
        }
        String token = value.substring(start, i).strip();
        if (token.isEmpty()) {
            throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "empty Identity header (HDR-01)");
        }
        checkDigest(token);
        String info = null;
        String alg = null;
        String ppt = null;
        while (i < n) {
            i++; // the ';'
            i = skipWs(value, i);
            int nameStart = i;
            while (i < n && isTokenChar(value.charAt(i))) {
                i++;
            }
            String name = value.substring(nameStart, i).toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "empty header parameter (HDR-03)");
            }
            i = skipWs(value, i);
            String pv = null;
            boolean bracketed = false;
            if (i < n && value.charAt(i) == '=') {
                i = skipWs(value, i + 1);
                if (i < n && value.charAt(i) == '<') {
                    int close = value.indexOf('>', i + 1);
                    if (close < 0) {
                        throw new PassportException(ParseFailure.INFO_PARAMETER, "unterminated <...> in parameter " + name);
                    }
                    pv = value.substring(i + 1, close);
                    bracketed = true;
                    i = close + 1;
                } else if (i < n && value.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char c = value.charAt(i);
                        if (c == '\\' && i + 1 < n) {
                            sb.append(value.charAt(i + 1));
                            i += 2;
                        } else if (c == '"') {
                            closed = true;
                            i++;
                            break;
                        } else {
                            sb.append(c);
                            i++;
                        }
                    }
                    if (!closed) {
                        throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "unterminated quoted value in parameter " + name);
                    }
                    pv = sb.toString();
                } else {
                    int vs = i;
                    while (i < n && value.charAt(i) != ';' && !isWs(value.charAt(i))) {
                        i++;
                    }
                    pv = value.substring(vs, i);
                }
                i = skipWs(value, i);
            }
            if (i < n && value.charAt(i) != ';') {
                throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "unexpected character after parameter " + name);
            }
            switch (name) {
                case "info" -> {
                    if (info != null) {
                        throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "repeated info parameter (HDR-03)");
                    }
                    if (pv == null || !bracketed) {
                        throw new PassportException(ParseFailure.INFO_PARAMETER, "info is not written <absoluteURI> (HDR-01)");
                    }
                    if (!hasScheme(pv) || hasWsOrCtl(pv)) {
                        throw new PassportException(ParseFailure.INFO_PARAMETER, "info is not an absolute URI (HDR-01)");
                    }
                    info = pv;
                }
                case "alg" -> {
                    if (alg != null) {
                        throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "repeated alg parameter (HDR-03)");
                    }
                    alg = pv == null ? "" : pv;
                }
                case "ppt" -> {
                    if (ppt != null) {
                        throw new PassportException(ParseFailure.IDENTITY_SYNTAX, "repeated ppt parameter (HDR-03)");
                    }
                    ppt = pv == null ? "" : pv;
                }
                default -> {
                    // unknown ident-info-params are ignored (HDR-03)
                }
            }
        }
        if (info == null) {
            throw new PassportException(ParseFailure.INFO_PARAMETER, "info parameter missing (HDR-01)");
        }
        return new IdentityHeader(token, info, alg, ppt);
    }

    /** HDR-02: {@code [A-Za-z0-9_-]} and '.', exactly three segments, {@code h.p.s} or {@code ..s}. */
    private static void checkDigest(String token) throws PassportException {
        int dots = 0;
        int firstDot = -1;
        int secondDot = -1;
        for (int k = 0; k < token.length(); k++) {
            char c = token.charAt(k);
            if (c == '.') {
                dots++;
                if (dots == 1) {
                    firstDot = k;
                } else if (dots == 2) {
                    secondDot = k;
                }
            } else if (!Base64Url.isAlphabet(c)) {
                throw new PassportException(ParseFailure.TOKEN_ENCODING, "Identity digest has a character outside base64url (HDR-02)");
            }
        }
        if (dots != 2) {
            throw new PassportException(ParseFailure.TOKEN_ENCODING, "PASSporT does not have 3 segments (HDR-02)");
        }
        boolean headerEmpty = firstDot == 0;
        boolean payloadEmpty = secondDot == firstDot + 1;
        boolean sigEmpty = secondDot == token.length() - 1;
        if (sigEmpty || headerEmpty != payloadEmpty) {
            throw new PassportException(ParseFailure.TOKEN_ENCODING, "PASSporT segments must be h.p.s or ..s (HDR-02)");
        }
    }

    private static boolean isWs(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static int skipWs(String s, int i) {
        while (i < s.length() && isWs(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** RFC 3261 token characters. */
    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-.!%*_+`'~".indexOf(c) >= 0;
    }

    /** {@code scheme ":" rest}: a letter, then letters, digits, {@code + . -}, a colon, at least one more character. */
    private static boolean hasScheme(String s) {
        if (s.isEmpty() || !letter(s.charAt(0))) {
            return false;
        }
        for (int k = 1; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == ':') {
                return k + 1 < s.length();
            }
            if (!letter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-') {
                return false;
            }
        }
        return false;
    }

    private static boolean letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean hasWsOrCtl(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"') {
                return true;
            }
        }
        return false;
    }
}
