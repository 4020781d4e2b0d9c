package org.stirshield.policy;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;

/**
 * The policy file's {@code names:} section: display names pinned to the agency whose protected numbers
 * alone may present them. A call that presents such a name, in a Rich Call Data {@code nam} (RFC 9795)
 * or (with {@code caller_name: true}) as its caller name, from any number that is not one of that
 * agency's protected numbers is a spoof, even when its own number is not protected and its PASSporT is
 * valid: reason {@code name_spoofed}. From the agency's own numbers, their policy decides as usual.
 *
 * <p>Names are compared after normalization: Unicode compatibility decomposition (NFKD) without the
 * combining marks, lower case, only letters and digits kept ("SRE - México", "sre mexico" and
 * "ＳＲＥ Ｍéxico" are the same name). A pin matches a presented name that equals it,
 * or with {@code match: contains} one that contains it.
 *
 * @param pins the pinned names, in file order
 * @param onSpoof what to do with a spoof
 * @param checkCallerName whether the caller name as presented is checked, not only RCD names
 * @param tag the caller-name prefix when {@code onSpoof} is {@code tag}
 */
record NamePins(List<Pin> pins, Action onSpoof, boolean checkCallerName, String tag) {
    /** Names longer than this (presented or pinned) are cut before normalizing. */
    static final int MAX_NAME = 256;
    /** A {@code contains} pin must keep at least this many letters and digits (a short one would match anything). */
    static final int MIN_CONTAINS = 4;

    /** One pinned name. */
    record Pin(String name, String key, String agency, boolean contains) {
    }

    static final NamePins NONE = new NamePins(List.of(), Action.REJECT, true, PolicyRule.DEFAULT_TAG);

    NamePins {
        pins = List.copyOf(pins);
    }

    boolean isEmpty() {
        return pins.isEmpty();
    }

    /** The first pin a presented name matches, or null. */
    Pin match(String presented) {
        if (presented == null || pins.isEmpty()) {
            return null;
        }
        String key = normalize(presented);
        if (key.isEmpty()) {
            return null;
        }
        for (Pin p : pins) {
            if (p.contains() ? key.contains(p.key()) : key.equals(p.key())) {
                return p;
            }
        }
        return null;
    }

    /** NFKD without combining marks, lower case, letters and digits only. */
    static String normalize(String name) {
        String s = name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
        s = Normalizer.normalize(s, Normalizer.Form.NFKD).toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK && Character.isLetterOrDigit(c))
                .forEach(b::appendCodePoint);
        return b.toString();
    }
}
