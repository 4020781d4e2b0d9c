package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The audit writer's JSON against Jackson's default generator (what wrote the audit log before it), byte for byte. */
class JsonLinesTest {
    private static final JsonFactory JACKSON = new JsonFactory();

    /** Text made of what hostile headers carry: controls, quotes, backslashes, every UTF-8 width, lone surrogates. */
    private static String randomText(SplittableRandom r) {
        int n = r.nextInt(0, 40);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(9)) {
                case 0 -> b.append((char) r.nextInt(0, 0x20));
                case 1 -> b.append("\"\\/".charAt(r.nextInt(3)));
                case 2 -> b.append((char) r.nextInt(0x7F, 0x800));
                case 3 -> b.append((char) r.nextInt(0x800, 0xD800));
                case 4 -> b.append((char) r.nextInt(0xE000, 0x10000));
                case 5 -> b.appendCodePoint(r.nextInt(0x10000, 0x110000));
                case 6 -> b.append((char) r.nextInt(0xD800, 0xE000)); // a lone half of a pair
                default -> b.append((char) r.nextInt(0x20, 0x7F));
            }
        }
        return b.toString();
    }

    private static byte[] jackson(String s) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JACKSON.createGenerator(w)) {
            g.writeString(s);
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ours(JsonLines out) {
        out.endLine();
        byte[] line = Arrays.copyOf(out.bytes(), out.end(0) - 1);
        out.clear();
        return line;
    }

    @Test
    void stringsAreEscapedAndEncodedAsJacksonDoes() throws IOException {
        SplittableRandom r = new SplittableRandom(12);
        JsonLines out = new JsonLines(16); // small: growing is exercised too
        for (int i = 0; i < 20_000; i++) {
            String s = randomText(r);
            out.string(s);
            assertArrayEquals(jackson(s), ours(out), () -> "for " + s.chars().mapToObj(Integer::toHexString).toList());
            int max = r.nextInt(1, 45);
            out.string(s, max);
            assertArrayEquals(jackson(AuditRecord.cut(s, max)), ours(out),
                    () -> "cut to " + max + ": " + s.chars().mapToObj(Integer::toHexString).toList());
        }
    }

    @Test
    void structureNumbersAndLiteralsAsJacksonWritesThem() throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JACKSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeFieldName("a");
            g.writeStartArray();
            for (long v : new long[] {0, 7, -7, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE}) {
                g.writeNumber(v);
            }
            g.writeStartObject();
            g.writeEndObject();
            g.writeStartArray();
            g.writeEndArray();
            g.writeNull();
            g.writeBoolean(true);
            g.writeEndArray();
            g.writeFieldName("b");
            g.writeBoolean(false);
            g.writeFieldName("c");
            g.writeStartObject();
            g.writeFieldName("d");
            g.writeString("e");
            g.writeEndObject();
            g.writeEndObject();
        }
        JsonLines out = new JsonLines(4);
        out.startObject();
        out.name("a");
        out.startArray();
        for (long v : new long[] {0, 7, -7, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE}) {
            out.number(v);
        }
        out.startObject();
        out.endObject();
        out.startArray();
        out.endArray();
        out.nul();
        out.bool(true);
        out.endArray();
        out.name("b");
        out.bool(false);
        out.name("c");
        out.startObject();
        out.name("d");
        out.string("e");
        out.endObject();
        out.endObject();
        assertEquals(w.toString(), new String(ours(out), StandardCharsets.UTF_8));
    }

    @Test
    void aBatchHoldsWholeLinesAndALineThatFailsLeavesNothing() {
        JsonLines out = new JsonLines(8);
        out.startObject();
        out.name("n");
        out.number(1);
        out.endObject();
        out.endLine();
        out.startObject(); // a record whose formatting failed half-way
        out.name("broken");
        out.abortLine();
        out.startObject();
        out.name("n");
        out.number(2);
        out.endObject();
        out.endLine();
        assertEquals(2, out.lineCount());
        assertEquals("{\"n\":1}\n{\"n\":2}\n", new String(out.bytes(), 0, out.end(1), StandardCharsets.UTF_8));
        assertEquals(out.end(0), out.start(1));
        out.startObject();
        assertThrows(IllegalStateException.class, out::endLine, "a line cannot end inside a value");
        out.abortLine();
        out.clear();
        assertEquals(0, out.lineCount());
    }

    /** Long runs of plain ASCII with what needs escaping or encoding at their edges, as Jackson writes them. */
    @Test
    void plainRunsWithEscapesAndEncodingsAtTheirEdges() throws IOException {
        String run = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiJ9".repeat(30); // 1,200 chars of a PASSporT's kind
        List<String> cases = new ArrayList<>();
        for (String edge : new String[] {"\"", "\\", "\n", "\u0000", "\u001f", "\u007f", "é", "€", "\uD83D\uDCDE", "\uD83D",
                "\uDCDE"}) {
            cases.add(edge + run); // at the first position
            cases.add(run + edge); // at the last
            cases.add(run + edge + run); // after a long run, and a long run after it
        }
        for (int at : new int[] {254, 255, 256, 257, 511, 512}) { // around the scratch buffer's first size
            cases.add("a".repeat(at) + "\uD83D\uDCDE" + "b".repeat(3)); // a surrogate pair across the boundary
            cases.add("a".repeat(at) + "\"");
        }
        for (int initial : new int[] {1, 2, 16, 1_202, 1_203, 1_204, 4_096}) { // the buffer grows at every boundary
            JsonLines out = new JsonLines(initial);
            for (String s : cases) {
                out.string(s);
                assertArrayEquals(jackson(s), ours(out), () -> "initial " + initial + ": " + s.length() + " chars");
                for (int max : new int[] {1, 2, 255, 256, 257, 1_201, 1_202}) {
                    out.string(s, max); // cut: a surrogate pair may be split by the cut
                    assertArrayEquals(jackson(AuditRecord.cut(s, max)), ours(out), () -> "cut to " + max);
                }
            }
        }
    }

    @Test
    void namesAreWrittenTheSameEveryTimeAndBeyondTheRememberedOnes() throws IOException {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < JsonLines.MAX_NAMES + 40; i++) {
            names.add("field_" + i); // more distinct names than are remembered
        }
        names.add("quote\"and\\backslash");
        names.add("caf\u00e9 \u20ac \uD83D\uDCDE");
        names.add("");
        JsonLines out = new JsonLines(3); // small: every copied name grows the buffer at first
        for (int round = 0; round < 3; round++) {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = JACKSON.createGenerator(w)) {
                g.writeStartObject();
                out.startObject();
                for (String name : names) {
                    g.writeFieldName(name);
                    g.writeNumber(round);
                    out.name(name);
                    out.number(round);
                    String equalNotSame = new String(name.toCharArray()); // equal, another object: its own key
                    g.writeFieldName(equalNotSame);
                    g.writeNull();
                    out.name(equalNotSame);
                    out.nul();
                }
                g.writeEndObject();
                out.endObject();
            }
            assertArrayEquals(w.toString().getBytes(StandardCharsets.UTF_8), ours(out), "round " + round);
        }
        JsonLines fresh = new JsonLines(64);
        fresh.startObject();
        fresh.name("a");
        fresh.startObject();
        fresh.name("a"); // the same name at another depth: a comma is the container's, not the name's
        fresh.number(1);
        fresh.name("a");
        fresh.number(2);
        fresh.endObject();
        fresh.endObject();
        assertEquals("{\"a\":{\"a\":1,\"a\":2}}", new String(ours(fresh), StandardCharsets.UTF_8));
    }
}
