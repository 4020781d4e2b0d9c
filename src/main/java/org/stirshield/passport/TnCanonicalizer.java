package org.stirshield.passport;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;

/**
 * Canonical telephone numbers (RFC 8224 §8.3; TN-01..04) for numbers taken from SIP (From, PAI, To):
 *
 * <ol>
 *   <li>Take the number out of {@code tel:}, {@code sip:}/{@code sips:} URIs (user part, optionally
 *       inside {@code <...>}) or a bare string; drop URI parameters ({@code ;phone-context=},
 *       {@code ;npdi}, {@code ;rn=}, {@code ;user=phone}, ...).</li>
 *   <li>Drop the visual separators {@code - . ( )} and spaces (RFC 3966 §5.1.1).</li>
 *   <li>A leading {@code +} means the rest is already international: the ASCII digits are the result.</li>
 *   <li>Otherwise libphonenumber parses the digits for the home region (national numbers, the region's
 *       international prefix such as {@code 011} in the US or {@code 00} in VN). When libphonenumber
 *       says the result is a <b>valid</b> number, its E.164 digits are the result; otherwise (short codes
 *       and service numbers such as {@code 156}, {@code 12308}, {@code 96110}, or digits that already
 *       carry a country code) the digits are kept unchanged.</li>
 *   <li>The result must be 1..{@code maxDigits} ASCII characters from {@code 0-9*#}; anything else
 *       (letters, U+FF10 fullwidth digits, U+0660 Arabic-Indic digits) is not a TN (TN-04).</li>
 * </ol>
 * Numbers holding {@code *} or {@code #} are never given to libphonenumber. Thread-safe.
 */
public final class TnCanonicalizer {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private final String region;
    private final int maxDigits;

    /**
     * @param region the home region, ISO 3166 alpha-2 (e.g. {@code US}, {@code VN}, {@code CN})
     * @param maxDigits maximum length of a TN (15 for E.164)
     */
    public TnCanonicalizer(String region, int maxDigits) {
        String r = region.toUpperCase(Locale.ROOT);
        if (!UTIL.getSupportedRegions().contains(r)) {
            throw new IllegalArgumentException("unknown region: " + region);
        }
        if (maxDigits < 1 || maxDigits > 32) {
            throw new IllegalArgumentException("max_tn_digits must be 1..32: " + maxDigits);
        }
        this.region = r;
        this.maxDigits = maxDigits;
    }

    public String region() {
        return region;
    }

    /** The canonical TN, or null when {@code raw} is not a telephone number. */
    public String canonicalize(String raw) {
        if (raw == null) {
            return null;
        }
        String plain = plain(raw);
        if (plain != null) {
            return plain;
        }
        String s = raw.strip();
        if (s.length() > 256) {
            return null;
        }
        int lt = s.indexOf('<');
        if (lt >= 0) {
            int gt = s.indexOf('>', lt);
            if (gt < 0) {
                return null;
            }
            s = s.substring(lt + 1, gt).strip();
        }
        if (scheme(s, "tel:")) {
            s = s.substring(4);
        } else if (scheme(s, "sip:") || scheme(s, "sips:")) {
            s = s.substring(scheme(s, "sip:") ? 4 : 5);
            int at = s.indexOf('@');
            if (at >= 0) {
                s = s.substring(0, at);
            }
        }
        int semi = s.indexOf(';');
        if (semi >= 0) {
            s = s.substring(0, semi);
        }
        StringBuilder sb = new StringBuilder(s.length());
        boolean plus = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '-' || c == '.' || c == '(' || c == ')' || c == ' ') {
                continue;
            }
            if (c == '+' && sb.isEmpty() && !plus) {
                plus = true;
                continue;
            }
            if ((c >= '0' && c <= '9') || c == '*' || c == '#') {
                sb.append(c);
            } else {
                return null; // letters, non-ASCII digits, a second '+', ... (TN-02, TN-04)
            }
        }
        String digits = sb.toString();
        if (digits.isEmpty()) {
            return null;
        }
        String out = digits;
        if (!plus && isDigits(digits)) {
            out = national(digits);
        }
        return out.length() <= maxDigits ? out : null;
    }

    /**
     * The canonical TN of a number that is nothing but {@code +} and digits, or nothing but digits (what
     * Asterisk's caller ID and the PASSporTs mostly carry), without the general parse; null for anything else.
     */
    private String plain(String raw) {
        int n = raw.length();
        boolean plus = n > 1 && raw.charAt(0) == '+';
        if (n == 0 || n > maxDigits + (plus ? 1 : 0)) {
            return null;
        }
        for (int i = plus ? 1 : 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        if (plus) {
            return raw.substring(1);
        }
        String out = national(raw);
        return out.length() <= maxDigits ? out : null;
    }

    /** {@code s} starts with the URI scheme {@code prefix} (lowercase ASCII letters and a colon), in any case. */
    private static boolean scheme(String s, String prefix) {
        if (s.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = s.charAt(i);
            char p = prefix.charAt(i);
            if (c != p && !(p >= 'a' && p <= 'z' && c == p - 32)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Recent {@link #national} results: a direct-mapped table (one slot per hash, the newest wins), so that
     * the numbers a PBX sees again and again (its own DIDs, frequent callers) skip libphonenumber (about
     * 10 us) without a lock or an unbounded map.
     */
    private final Memo[] memo = new Memo[4096];

    private record Memo(String digits, String result) {
    }

    private String national(String digits) {
        int slot = digits.hashCode() & (memo.length - 1);
        Memo m = memo[slot];
        if (m != null && m.digits.equals(digits)) {
            return m.result;
        }
        String r = parseNational(digits);
        memo[slot] = new Memo(digits, r); // a racy write of an immutable record: at worst a lost entry
        return r;
    }

    private String parseNational(String digits) {
        try {
            PhoneNumber pn = UTIL.parse(digits, region);
            if (UTIL.isValidNumber(pn)) {
                String e164 = UTIL.format(pn, PhoneNumberUtil.PhoneNumberFormat.E164);
                return e164.substring(1);
            }
        } catch (NumberParseException e) {
            // not a number libphonenumber understands: keep the digits
        }
        return digits;
    }

    /** Whether {@code tn} is a canonical TN as a PASSporT claim must carry it: {@code ^[0-9*#]{1,15}$}, ASCII (PPT-10). */
    public static boolean isCanonicalClaim(String tn) {
        if (tn == null || tn.isEmpty() || tn.length() > 15) {
            return false;
        }
        for (int i = 0; i < tn.length(); i++) {
            char c = tn.charAt(i);
            if (!((c >= '0' && c <= '9') || c == '*' || c == '#')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
