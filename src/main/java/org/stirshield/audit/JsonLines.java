package org.stirshield.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A batch of JSON lines written as UTF-8 straight into one reusable buffer: the audit writer formats a batch
 * of records here and hands the buffer to the file in one write, with no string, tree or array per record.
 *
 * <p>The writer is streaming and minimal (objects, arrays, strings, integers, booleans, null; commas and colons
 * placed by it) and writes exactly the bytes Jackson's default generator ({@code JsonFactory} with default
 * features, then {@code String.getBytes(UTF_8)}) writes for the same calls: a quote and a backslash escaped
 * with a backslash; the control characters below U+0020 as the short escapes b, t, n, f, r or as a backslash,
 * {@code u00} and two uppercase hex digits; everything else as itself in UTF-8, and a lone surrogate as
 * {@code ?}. The audit file format, and every reader of it, depend on that ({@code JsonLinesTest} compares the
 * two on random text, {@code AuditRecordGoldenTest} whole records).
 *
 * <p>Not thread-safe: one per writer thread.
 */
final class JsonLines {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_DEPTH = 32;
    /** A buffer grown past this by a batch of unusually large lines is given back after it. */
    private static final int KEEP_BYTES = 1 << 20;

    private final int initialBytes;
    private byte[] bytes;
    private int size;
    private int[] ends = new int[64];
    private int lines;
    private int lineStart;
    /** Per open container: whether a value was written in it (the next one needs a comma). */
    private final boolean[] nonEmpty = new boolean[MAX_DEPTH];
    /**
     * Names written before, with their bytes: an open-addressed table keyed by the name string's identity (the
     * record's names are constants; a string equal to a remembered one but another object is another key).
     * Bounded: at most {@link #MAX_NAMES} are remembered, later ones are encoded each time.
     */
    private static final int NAME_SLOTS = 256;
    static final int MAX_NAMES = NAME_SLOTS / 2;
    private final String[] nameKeys = new String[NAME_SLOTS];
    private final byte[][] nameBytes = new byte[NAME_SLOTS][];
    private int names;
    /** The chars of the string being written (one bulk copy instead of a checked charAt per char). */
    private char[] scratch = new char[256];
    private int depth;
    private boolean afterName;

    JsonLines(int initialBytes) {
        this.initialBytes = initialBytes;
        this.bytes = new byte[initialBytes];
    }

    // ---- the batch

    /** Forgets every line (the buffer is kept, or given back when a batch grew it beyond {@value #KEEP_BYTES} bytes). */
    void clear() {
        size = 0;
        lines = 0;
        lineStart = 0;
        depth = 0;
        afterName = false;
        if (bytes.length > KEEP_BYTES) {
            bytes = new byte[initialBytes];
        }
    }

    /** Lines completed by {@link #endLine()}. */
    int lineCount() {
        return lines;
    }

    /** The buffer; the lines are {@code [0, end(lineCount() - 1))}, each ending in {@code '\n'}. */
    byte[] bytes() {
        return bytes;
    }

    /** Where line {@code i} ends (after its {@code '\n'}). */
    int end(int i) {
        return ends[i];
    }

    /** Where line {@code i} starts. */
    int start(int i) {
        return i == 0 ? 0 : ends[i - 1];
    }

    /** Ends the line being written: a {@code '\n'}, and it counts. */
    void endLine() {
        if (depth != 0) {
            throw new IllegalStateException("line ended inside a JSON value");
        }
        put((byte) '\n');
        if (lines == ends.length) {
            ends = Arrays.copyOf(ends, lines * 2);
        }
        ends[lines++] = size;
        lineStart = size;
        afterName = false;
    }

    /** Drops whatever was written since the last completed line (a record that could not be formatted). */
    void abortLine() {
        size = lineStart;
        depth = 0;
        afterName = false;
    }

    /** The line being written, as text (without a line end). */
    String currentLine() {
        return new String(bytes, lineStart, size - lineStart, StandardCharsets.UTF_8);
    }

    // ---- JSON

    void startObject() {
        beforeValue();
        put((byte) '{');
        open();
    }

    void endObject() {
        close();
        put((byte) '}');
    }

    void startArray() {
        beforeValue();
        put((byte) '[');
        open();
    }

    void endArray() {
        close();
        put((byte) ']');
    }

    /**
     * A field name (plain ASCII, as every name of the audit record is; escaped otherwise). The audit record's
     * names are the same constant strings record after record: each one's bytes ({@code "name":}) are encoded
     * once and copied after that (see {@link #nameKeys}).
     */
    void name(String name) {
        if (depth > 0 && nonEmpty[depth - 1]) {
            put((byte) ',');
        }
        if (depth > 0) {
            nonEmpty[depth - 1] = true;
        }
        int slot = name.hashCode() & (NAME_SLOTS - 1);
        String known;
        while ((known = nameKeys[slot]) != null && known != name) {
            slot = (slot + 1) & (NAME_SLOTS - 1);
        }
        if (known != null) {
            byte[] encoded = nameBytes[slot];
            ensure(encoded.length);
            System.arraycopy(encoded, 0, bytes, size, encoded.length);
            size += encoded.length;
        } else {
            int at = size;
            quoted(name, 0, name.length());
            put((byte) ':');
            if (names < MAX_NAMES) {
                nameKeys[slot] = name;
                nameBytes[slot] = Arrays.copyOfRange(bytes, at, size);
                names++;
            }
        }
        afterName = true;
    }

    void string(String s) {
        beforeValue();
        quoted(s, 0, s.length());
    }

    /**
     * {@code s} cut to at most {@code max} chars as {@code AuditRecord.cut} does: when longer, its first
     * {@code max - 1} chars and {@code …} (written without building the cut string).
     */
    void string(String s, int max) {
        beforeValue();
        if (s.length() <= max) {
            quoted(s, 0, s.length());
            return;
        }
        ensure(2 + 6 * (max - 1) + 3 + 1);
        bytes[size++] = '"';
        chars(s, 0, max - 1);
        bytes[size++] = (byte) 0xE2; // …, U+2026
        bytes[size++] = (byte) 0x80;
        bytes[size++] = (byte) 0xA6;
        bytes[size++] = '"';
    }

    void number(long v) {
        beforeValue();
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        ensure(20);
        if (v < 0) {
            bytes[size++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        int at = size + digits;
        size = at;
        do {
            bytes[--at] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
    }

    void bool(boolean v) {
        beforeValue();
        ascii(v ? "true" : "false");
    }

    void nul() {
        beforeValue();
        ascii("null");
    }

    /** A value of plain ASCII characters that need no escaping, quoted (a timestamp, say). */
    void asciiString(byte[] ascii, int from, int length) {
        beforeValue();
        ensure(length + 2);
        bytes[size++] = '"';
        System.arraycopy(ascii, from, bytes, size, length);
        size += length;
        bytes[size++] = '"';
    }

    // ---- internals

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth > 0) {
            if (nonEmpty[depth - 1]) {
                put((byte) ',');
            }
            nonEmpty[depth - 1] = true;
        }
    }

    private void open() {
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("JSON nested deeper than " + MAX_DEPTH);
        }
        nonEmpty[depth++] = false;
    }

    private void close() {
        if (depth == 0) {
            throw new IllegalStateException("no JSON container open");
        }
        depth--;
    }

    private void quoted(String s, int from, int to) {
        ensure(2 + 6 * (to - from));
        bytes[size++] = '"';
        chars(s, from, to);
        bytes[size++] = '"';
    }

    /** Chars {@code [from, to)} of {@code s}, escaped and UTF-8 encoded; room for 6 bytes per char is ensured. */
    private void chars(String s, int from, int to) {
        int n = to - from;
        if (scratch.length < n) {
            scratch = new char[Math.max(n, scratch.length * 2)];
        }
        char[] cs = scratch;
        s.getChars(from, to, cs, 0);
        byte[] b = bytes;
        int p = size;
        for (int i = 0; i < n; i++) {
            char c = cs[i];
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    b[p++] = (byte) c;
                    continue;
                }
                b[p++] = '\\';
                switch (c) {
                    case '"', '\\' -> b[p++] = (byte) c;
                    case '\b' -> b[p++] = 'b';
                    case '\t' -> b[p++] = 't';
                    case '\n' -> b[p++] = 'n';
                    case '\f' -> b[p++] = 'f';
                    case '\r' -> b[p++] = 'r';
                    default -> {
                        b[p++] = 'u';
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(cs[i + 1])) {
                    int cp = Character.toCodePoint(c, cs[++i]);
                    b[p++] = (byte) (0xF0 | (cp >> 18));
                    b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    b[p++] = '?'; // a lone surrogate: what String.getBytes(UTF_8) writes for it
                }
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        size = p;
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
    }

    private void put(byte b) {
        ensure(1);
        bytes[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
