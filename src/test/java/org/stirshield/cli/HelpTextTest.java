package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code stirshield --help} and a command's help say: whole sentences, and the dialplan line that is recommended. */
class HelpTextTest {
    /** Each command's one-line summary in {@code stirshield --help}, wrapped lines joined. */
    private static List<String> summaries() {
        var r = CliRun.run("--help");
        assertEquals(0, r.code(), r.err());
        String commands = r.out().substring(r.out().indexOf("Commands:\n") + "Commands:\n".length());
        List<String> out = new ArrayList<>();
        for (String line : commands.split("\n")) {
            if (line.startsWith("  ") && !line.startsWith("   ")) { // "  name   summary"
                out.add(line.strip().replaceFirst("^\\S+\\s+", ""));
            } else if (!line.isBlank() && !out.isEmpty()) {
                out.set(out.size() - 1, out.getLast() + " " + line.strip());
            }
        }
        return out;
    }

    @Test
    void everyCommandsSummaryIsAWholeSentence() {
        List<String> s = summaries();
        assertTrue(s.size() >= 9, s.toString());
        for (String summary : s) {
            assertTrue(summary.endsWith("."), "stops mid-sentence: " + summary);
        }
        assertTrue(s.stream().anyMatch(x -> x.startsWith("Validate a stirshield.yaml or a policy file alone")), s.toString());
    }

    @Test
    void serveShowsTheRecommendedDialplanLine() {
        var r = CliRun.run("serve", "--help");
        assertEquals(0, r.code(), r.err());
        String text = r.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("AGI(agi://127.0.0.1:4573/verify,trunk=NAME)"), text);
        assertFalse(text.contains("PJSIP_HEADER(read,Identity)"), text);
    }
}
