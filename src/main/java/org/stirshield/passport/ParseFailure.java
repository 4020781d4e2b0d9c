package org.stirshield.passport;

/**
 * What failed while an Identity header or a PASSporT was parsed. Parsing sits below the verdict, so these
 * are the parser's own codes; {@code org.stirshield.verify.Reason#of(ParseFailure)} is the one place that
 * turns them into the reason codes of verdicts, channel variables and audit records.
 */
public enum ParseFailure {
    /** The Identity header is not {@code token;param=value;...} (empty, stray characters, repeated or empty parameters). */
    IDENTITY_SYNTAX,
    /** The Identity header is longer than its bound. */
    HEADER_TOO_LONG,
    /** The {@code info} parameter is missing or is not an absolute URI in angle brackets. */
    INFO_PARAMETER,
    /** The token is not three segments of canonical unpadded base64url (header.payload.signature). */
    TOKEN_ENCODING,
    /** A PASSporT part is not strict JSON, not a JSON object, or exceeds a parser limit. */
    JSON_SYNTAX,
    /** A PASSporT part's JSON names one member twice. */
    DUPLICATE_JSON_MEMBER
}
