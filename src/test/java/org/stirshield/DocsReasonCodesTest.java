package org.stirshield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Policy;
import org.stirshield.verify.Reason;

/**
 * The reason codes the docs write are the ones the program produces (verify.Reason, including the FastAGI
 * reasons, and the policy's reasons): a renamed or misspelled code in a doc is a dialplan, alert rule or
 * report filter that silently never matches. Checked in docs/*.md and README.md:
 * <ul>
 *   <li>every code span in a table column headed "reason" (a snake_case token) is a known code, and where the
 *       table has a "SIP" column, a verify.Reason's row carries its SIP code;
 *   <li>{@code `code` (NNN)} with NNN a SIP code of a verify.Reason: the code is that reason with that SIP code
 *       (or a policy reason);
 *   <li>{@code STIR_REASON=code} names a known code;
 *   <li>no code span spells a known code with hyphens ({@code x5u-timeout}), except in a paragraph that also
 *       gives the right spelling (an upgrade note);
 *   <li>docs/verification.md's reason table lists every verify.Reason.
 * </ul>
 */
class DocsReasonCodesTest {
    private static final Pattern SPAN = Pattern.compile("`([^`\n]+)`");
    private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9]*(?:_[a-z0-9]+)+");
    private static final Pattern WITH_SIP = Pattern.compile("`([a-z][a-z0-9_]*)` \\((\\d{3})\\)");
    private static final Pattern STIR_REASON = Pattern.compile("STIR_REASON=([a-z0-9_-]+)");

    /** Reason codes by code, with their SIP code (verify.Reason). */
    static Map<String, Integer> verifyReasons() {
        Map<String, Integer> m = new HashMap<>();
        for (Reason r : Reason.values()) {
            m.put(r.code(), r.sipCode());
        }
        return m;
    }

    /** The policy's reasons: its public String constants (verified, signer_not_allowed, name_spoofed …). */
    static Set<String> policyReasons() throws IllegalAccessException {
        Set<String> s = new TreeSet<>();
        for (Field f : Policy.class.getFields()) {
            if (f.getType() == String.class && Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers())
                    && !f.getName().equals("NAMES_POLICY")) {
                s.add((String) f.get(null));
            }
        }
        return s;
    }

    @Test
    void everyReasonCodeInTheDocsExists() throws Exception {
        Map<String, Integer> verify = verifyReasons();
        Set<String> policy = policyReasons();
        assertTrue(policy.contains("name_spoofed") && policy.contains("verified"), policy.toString());
        Set<String> known = new TreeSet<>(verify.keySet());
        known.addAll(policy);
        known.add("invalid_tn"); // the sign script's STIR_REASON for a caller that is not a telephone number
        known.add("signing_not_configured");
        Set<Integer> sipCodes = new TreeSet<>(verify.values());

        List<String> problems = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        files.add(Path.of("README.md"));
        for (Path file : files) {
            problems.addAll(check(file, Files.readAllLines(file), verify, policy, known, sipCodes));
        }
        assertTrue(problems.isEmpty(), "reason codes in the docs that the program does not produce:\n  "
                + String.join("\n  ", problems));
    }

    @Test
    void verificationMdListsEveryReason() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("docs/verification.md"));
        int start = lines.indexOf("## Reason codes");
        assertTrue(start >= 0, "docs/verification.md has a '## Reason codes' section");
        StringBuilder table = new StringBuilder();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            table.append(lines.get(i)).append('\n');
        }
        List<String> missing = new ArrayList<>();
        for (Reason r : Reason.values()) {
            if (!table.toString().contains("`" + r.code() + "`")) {
                missing.add(r.code());
            }
        }
        assertEquals(List.of(), missing, "reasons without a row in docs/verification.md, Reason codes");
    }

    /** The checker finds what it must (so that the test above can fail). */
    @Test
    void reportsMisspelledUnknownAndWrongSipCodes() throws Exception {
        Map<String, Integer> verify = verifyReasons();
        Set<String> policy = policyReasons();
        Set<String> known = new TreeSet<>(verify.keySet());
        known.addAll(policy);
        List<String> doc = List.of(
                "| fault | reason | SIP |",
                "|---|---|---|",
                "| hangs | `x5u_timeot` | 436 |",
                "| bad | `bad_signature` | 436 |",
                "Calls get `x5u-timeout` (436) and `orig_mismatch` (436).",
                "",
                "Upgrade: `x5u-timeout` is now",
                "`x5u_timeout`.",
                "The dialplan sees STIR_REASON=no_such_reason.");
        List<String> p = check(Path.of("x.md"), doc, verify, policy, known, new TreeSet<>(verify.values()));
        assertEquals(List.of(
                "x.md:3: `x5u_timeot` in a reason column is not a reason code",
                "x.md:4: `bad_signature` is SIP 438, not 436",
                "x.md:5: `x5u-timeout` is spelled `x5u_timeout`",
                "x.md:5: `orig_mismatch` is SIP 438, not 436",
                "x.md:9: STIR_REASON=no_such_reason is not a reason code"), p);
    }

    static List<String> check(Path file, List<String> lines, Map<String, Integer> verify, Set<String> policy,
            Set<String> known, Set<Integer> sipCodes) {
        List<String> out = new ArrayList<>();
        int reasonCol = -1;
        int sipCol = -1;
        boolean inTable = false;
        boolean inFence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = file + ":" + (i + 1) + ": ";
            if (line.startsWith("```")) {
                inFence = !inFence;
            }
            if (line.startsWith("|")) {
                List<String> cells = cells(line);
                if (!inTable) {
                    inTable = true;
                    reasonCol = -1;
                    sipCol = -1;
                    for (int c = 0; c < cells.size(); c++) {
                        String h = cells.get(c).toLowerCase(java.util.Locale.ROOT);
                        if (h.equals("reason") || h.equals("reason code") || h.equals("reason codes")) {
                            reasonCol = c;
                        } else if (h.equals("sip") || h.equals("sip code")) {
                            sipCol = c;
                        }
                    }
                } else if (reasonCol >= 0 && reasonCol < cells.size()) {
                    Integer sip = null;
                    if (sipCol >= 0 && sipCol < cells.size() && cells.get(sipCol).matches("\\d{3}")) {
                        sip = Integer.valueOf(cells.get(sipCol));
                    }
                    Matcher m = SPAN.matcher(cells.get(reasonCol));
                    while (m.find()) {
                        String code = m.group(1);
                        if (!SNAKE.matcher(code).matches()) {
                            continue;
                        }
                        if (!known.contains(code)) {
                            out.add(where + "`" + code + "` in a reason column is not a reason code");
                        } else if (sip != null && verify.containsKey(code) && !verify.get(code).equals(sip)) {
                            out.add(where + "`" + code + "` is SIP " + verify.get(code) + ", not " + sip);
                        }
                    }
                }
            } else {
                inTable = false;
            }
            if (inFence) {
                continue;
            }
            Matcher span = SPAN.matcher(line);
            while (span.find()) {
                String text = span.group(1);
                if (text.matches("[a-z0-9]+(?:-[a-z0-9]+)+")) {
                    String right = text.replace('-', '_');
                    if (known.contains(right) && !paragraph(lines, i).contains("`" + right + "`")) {
                        out.add(where + "`" + text + "` is spelled `" + right + "`");
                    }
                }
            }
            Matcher ws = WITH_SIP.matcher(line);
            while (ws.find()) {
                String code = ws.group(1);
                int sip = Integer.parseInt(ws.group(2));
                if (!sipCodes.contains(sip) || policy.contains(code)) {
                    continue;
                }
                if (!verify.containsKey(code)) {
                    out.add(where + "`" + code + "` (" + sip + ") is not a reason code");
                } else if (verify.get(code) != sip) {
                    out.add(where + "`" + code + "` is SIP " + verify.get(code) + ", not " + sip);
                }
            }
            Matcher sr = STIR_REASON.matcher(line);
            while (sr.find()) {
                if (!known.contains(sr.group(1))) {
                    out.add(where + "STIR_REASON=" + sr.group(1) + " is not a reason code");
                }
            }
        }
        return out;
    }

    /** The lines from the blank line before line {@code i} to the blank line after it. */
    private static String paragraph(List<String> lines, int i) {
        int from = i;
        while (from > 0 && !lines.get(from - 1).isBlank()) {
            from--;
        }
        int to = i;
        while (to + 1 < lines.size() && !lines.get(to + 1).isBlank()) {
            to++;
        }
        return String.join("\n", lines.subList(from, to + 1));
    }

    private static List<String> cells(String row) {
        String r = row.strip();
        r = r.substring(1, r.endsWith("|") && r.length() > 1 ? r.length() - 1 : r.length());
        List<String> out = new ArrayList<>();
        for (String c : r.split("(?<!\\\\)\\|", -1)) {
            out.add(c.strip());
        }
        return out;
    }
}
