package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.stirshield.passport.ParseFailure;

/** The passport parser's failure codes become the reason codes verdicts, channel variables and audit records pin. */
class ReasonOfParseFailureTest {
    @Test
    void eachParseFailureKeepsItsReasonSpelling() {
        Map<ParseFailure, String> expected = new EnumMap<>(ParseFailure.class);
        expected.put(ParseFailure.IDENTITY_SYNTAX, "malformed_identity");
        expected.put(ParseFailure.HEADER_TOO_LONG, "oversize");
        expected.put(ParseFailure.INFO_PARAMETER, "bad_info");
        expected.put(ParseFailure.TOKEN_ENCODING, "malformed_token");
        expected.put(ParseFailure.JSON_SYNTAX, "malformed_json");
        expected.put(ParseFailure.DUPLICATE_JSON_MEMBER, "duplicate_member");
        assertEquals(ParseFailure.values().length, expected.size(), "a new ParseFailure needs its reason here");
        for (ParseFailure f : ParseFailure.values()) {
            assertEquals(expected.get(f), Reason.of(f).code(), f.name());
        }
    }
}
