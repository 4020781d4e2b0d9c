package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** RFC 8224 §8.3 canonicalization (TN-01..04): each case of docs/verification.md (telephone numbers). */
class TnCanonicalizerTest {
    private static final TnCanonicalizer US = new TnCanonicalizer("US", 15);
    private static final TnCanonicalizer VN = new TnCanonicalizer("VN", 15);
    private static final TnCanonicalizer CN = new TnCanonicalizer("CN", 15);
    private static final TnCanonicalizer MX = new TnCanonicalizer("MX", 15);

    @Test
    void tn02InternationalWithSpacesMexico() {
        assertEquals("525536865100", US.canonicalize("+52 55 3686 5100"));
        assertEquals("525536865100", CN.canonicalize("+52 55 3686 5100"));
    }

    @Test
    void tn03NationalVietnam() {
        assertEquals("84914358200", VN.canonicalize("0914358200"));
    }

    @Test
    void tn02InternationalShortServiceNumberKeptAsGiven() {
        assertEquals("861012308", US.canonicalize("+86-10-12308"));
    }

    @Test
    void tn03UsInternationalPrefix011() {
        assertEquals("525536865100", US.canonicalize("011 52 55 3686 5100"));
    }

    @Test
    void tn03UsNationalWithSeparators() {
        assertEquals("12155550100", US.canonicalize("(215) 555-0100"));
        assertEquals("12155550100", US.canonicalize("215.555.0100"));
        assertEquals("12155550100", US.canonicalize("1-215-555-0100"));
        assertEquals("12155550100", US.canonicalize("12155550100"));
    }

    @Test
    void tn01TelUriWithPhoneContext() {
        assertEquals("861065612308", US.canonicalize("tel:+861065612308;phone-context=example.com"));
        assertEquals("861065612308", CN.canonicalize("tel:+86-10-6561-2308;phone-context=+86"));
    }

    @Test
    void tn01SipUrisAndNumberPortabilityParameters() {
        assertEquals("12155550100", US.canonicalize("sip:+12155550100@carrier.example;user=phone"));
        assertEquals("12155550100", US.canonicalize("sips:+12155550100@carrier.example"));
        assertEquals("12155550100", US.canonicalize("\"Alice\" <sip:+12155550100@carrier.example;user=phone>"));
        assertEquals("12155550100", US.canonicalize("tel:+12155550100;npdi;rn=+12155559999"));
        assertEquals("12155550100", US.canonicalize("sip:2155550100;npdi@carrier.example"));
        assertEquals("12155550100", US.canonicalize("<tel:+1-215-555-0100>"));
    }

    @Test
    void tn03ShortCodesKeepDigits() {
        // libphonenumber does not call these valid national numbers: the digits are kept as they are
        assertEquals("156", CN.canonicalize("156"));
        assertEquals("12308", CN.canonicalize("12308"));
        assertEquals("5656", VN.canonicalize("5656"));
        assertEquals("96110", CN.canonicalize("96110"));
        assertEquals("911", US.canonicalize("911"));
        // already international without '+': not a valid US national number, kept
        assertEquals("525536865100", US.canonicalize("525536865100"));
    }

    @Test
    void tn03NationalChinaFixedLine() {
        assertEquals("861065612308", CN.canonicalize("010 6561 2308"));
        assertEquals("525536865100", MX.canonicalize("55 3686 5100"));
    }

    @Test
    void tn04NonAsciiDigitsAndLettersRejected() {
        assertNull(US.canonicalize("+1215555\uFF10100")); // fullwidth zero
        assertNull(US.canonicalize("\u0661\u0662\u0663")); // Arabic-Indic digits
        assertNull(US.canonicalize("1-800-FLOWERS")); // no vanity-letter conversion
        assertNull(US.canonicalize("++12155550100"));
        assertNull(US.canonicalize(""));
        assertNull(US.canonicalize(null));
        assertNull(US.canonicalize("sip:alice@example.com"));
    }

    @Test
    void maxDigitsCap() {
        assertEquals("123456789012345", US.canonicalize("+123456789012345"));
        assertNull(US.canonicalize("+1234567890123456"));
        assertEquals("12345678", new TnCanonicalizer("US", 8).canonicalize("+12345678"));
        assertNull(new TnCanonicalizer("US", 8).canonicalize("+123456789"));
    }

    @Test
    void plainNumbersAndSchemesInAnyCaseAsThroughTheGeneralParse() {
        assertEquals("12155550100", US.canonicalize("+12155550100"), "+ and digits: the digits");
        assertEquals("12155550100", US.canonicalize("2155550100"), "national digits: through libphonenumber");
        assertNull(US.canonicalize("+"));
        assertNull(US.canonicalize("1234567890123456"), "16 national digits");
        assertEquals("12155550100", US.canonicalize(" +12155550100 "), "whitespace: the general parse");
        assertEquals("12155550100", US.canonicalize("TEL:+12155550100"));
        assertEquals("12155550100", US.canonicalize("SiPs:+12155550100@carrier.example"));
        assertNull(US.canonicalize("\u017Fip:+12155550100@x"), "a long s is not an s: no sip: scheme, not a TN");
        assertNull(US.canonicalize("te:+12155550100"));
    }

    @Test
    void starAndHashKeptWithoutLibphonenumber() {
        assertEquals("*67", US.canonicalize("*67"));
        assertEquals("#31#2155550100", US.canonicalize("#31#2155550100"));
    }

    @Test
    void unknownRegionRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TnCanonicalizer("XX", 15));
        assertEquals("US", new TnCanonicalizer("us", 15).region());
    }

    @Test
    void ppt10ClaimCanonicalForm() {
        assertTrue(TnCanonicalizer.isCanonicalClaim("12155550100"));
        assertTrue(TnCanonicalizer.isCanonicalClaim("*#1"));
        assertFalse(TnCanonicalizer.isCanonicalClaim("+12155550100"));
        assertFalse(TnCanonicalizer.isCanonicalClaim("1234567890123456"));
        assertFalse(TnCanonicalizer.isCanonicalClaim("12\uFF10"));
        assertFalse(TnCanonicalizer.isCanonicalClaim(""));
    }
}
