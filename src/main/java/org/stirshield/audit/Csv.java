package org.stirshield.audit;

import java.util.List;
import java.util.regex.Pattern;

/**
 * RFC 4180 fields (CRLF line ends; fields with a comma, quote, CR or LF in double quotes, quotes doubled),
 * made safe for spreadsheets, which is where analysts open these files:
 *
 * <ul>
 *   <li>A text value a spreadsheet would turn into a number or date ({@code +525536865100} into 5.26E+11, the
 *       SPC {@code 0666} into 666, the unique id {@code 1763900000.42} into 1763900000.4) starts with
 *       {@code '}: a spreadsheet opening the CSV keeps the cell as text and shows the {@code '} (it hides one
 *       only when typed into a cell).</li>
 *   <li>Formula injection: a value from a call that starts with {@code = + - @}, TAB or CR (a caller "number"
 *       like {@code =HYPERLINK(...)}) starts with {@code '} too, so it is shown, never evaluated.</li>
 * </ul>
 * Numeric columns (counts, SIP codes, epoch seconds) are written as plain numbers.
 */
final class Csv {
    /** What a spreadsheet would read as a number, date or time: digits and their punctuation only. */
    private static final Pattern NUMERIC_LOOKING = Pattern.compile("[+-]?[0-9][0-9 ()./:eE+-]*");

    private Csv() {
    }

    /** A text field. */
    static String text(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        if (!v.isEmpty() && ("=+-@\t\r".indexOf(v.charAt(0)) >= 0 || numericLooking(v))) {
            v = "'" + v;
        }
        return quote(v);
    }

    /** Digits and their punctuation, but not an IPv4 address (two or more dots: no spreadsheet converts that). */
    private static boolean numericLooking(String v) {
        return NUMERIC_LOOKING.matcher(v).matches() && v.indexOf('.') == v.lastIndexOf('.');
    }

    /** A numeric field (empty for null). */
    static String number(Number value) {
        return value == null ? "" : value.toString();
    }

    /** Several values of one header in one field, one per line. */
    static String lines(List<String> values) {
        return values == null || values.isEmpty() ? "" : text(String.join("\n", values));
    }

    /** One record: the fields joined with commas, ended with CRLF. */
    static String row(List<String> fields) {
        return String.join(",", fields) + "\r\n";
    }

    private static String quote(String v) {
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
