package org.stirshield.audit;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

/**
 * Telephone numbers as analysts read and paste them: E.164 with its {@code +}. The audit record holds the
 * canonical TN the verifier compared (RFC 8224 §8.3: international numbers as their E.164 digits without
 * {@code +}, national short codes such as {@code 12308} or {@code 911} unchanged). A canonical TN of digits
 * is shown with {@code +} when libphonenumber calls {@code +digits} a possible number; short codes, which
 * are too short to be international numbers, are shown as they are.
 */
final class E164 {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private E164() {
    }

    /** {@code +861012308} for {@code 861012308}; {@code 12308} stays; null stays null; anything else unchanged. */
    static String display(String tn) {
        if (tn == null || tn.isEmpty() || tn.length() > 15 || !tn.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return tn;
        }
        try {
            return UTIL.isPossibleNumber(UTIL.parse("+" + tn, "ZZ")) ? "+" + tn : tn;
        } catch (NumberParseException e) {
            return tn;
        }
    }
}
