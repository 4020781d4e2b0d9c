package org.stirshield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layering of docs/architecture.md: data flows one way, cli → agi →
 * service → verify → cert and passport; agi is the only package that imports asterisk-java; audit and
 * policy take verdicts, never channels; parsing sits below the verdict (passport must not import verify).
 *
 * <p>Each package has a layer; a class may use classes of its own package and of packages in lower layers
 * only, never of its own layer's siblings or of a higher layer. Reads every main source file, with its
 * comments and string literals removed, and checks every name it uses, imported or fully qualified.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/org/stirshield");

    /** Layer of each package: higher layers may use lower ones, never the other way round nor siblings. */
    static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("config", 0),   // settings and value parsing shared by every layer
            Map.entry("cert", 1),     // certificates, x5u fetching, trust (below verify, beside passport)
            Map.entry("passport", 1), // Identity header and PASSporT parsing (below verify, beside cert)
            Map.entry("verify", 2),   // pure core: CallAttempt → Verdict
            Map.entry("sign", 2),     // signing PASSporTs (beside verify: uses cert and passport)
            Map.entry("policy", 3),   // takes verdicts
            Map.entry("audit", 4),    // takes verdicts and policy decisions; records and metrics
            Map.entry("service", 5),  // the pipeline: verify, replay, policy, audit, metrics
            Map.entry("agi", 6),      // FastAGI: the only package that speaks asterisk-java
            Map.entry("bench", 7),    // the bench command's load generator (drives a server over FastAGI)
            Map.entry("cli", 8));     // the commands

    private static final String ASTERISK_JAVA_PACKAGE = "agi";

    private static final Pattern QUALIFIED = Pattern.compile("\\b(org\\.(?:stirshield\\.[a-z_]+|asteriskjava)\\b[\\w.]*)");

    @Test
    void packagesUseOnlyLowerLayersAndOnlyAgiUsesAsteriskJava() throws IOException {
        List<String> violations = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path rel = MAIN.relativize(file);
                String pkg = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                seen.add(pkg);
                violations.addAll(violations(file.toString(), pkg, Files.readString(file, StandardCharsets.UTF_8)));
            }
        }
        assertTrue(seen.size() > 5, "no sources found under " + MAIN.toAbsolutePath());
        assertTrue(violations.isEmpty(), "layering violations (docs/architecture.md, \"Data flow of one call\"):\n  "
                + String.join("\n  ", violations));
    }

    /** The checker itself finds what it must: a file, its line and the offending name. */
    @Test
    void reportsFileLineAndOffendingImport() {
        String src = """
                package org.stirshield.passport;

                import java.util.List;
                import org.stirshield.cert.Deadline;
                import org.stirshield.verify.Reason;
                import static org.stirshield.agi.AgiServer.start;

                /** mentions org.stirshield.service.Foo and org.asteriskjava.fastagi in a comment: fine */
                final class X {
                    String s = "org.stirshield.cli.Main"; // a string: fine
                    Object o = org.asteriskjava.fastagi.AgiChannel.class;
                }
                """;
        List<String> v = violations("X.java", "passport", src);
        assertEquals(List.of(
                "X.java:4: passport (layer 1) uses org.stirshield.cert.Deadline: cert (layer 1) is not below it",
                "X.java:5: passport (layer 1) uses org.stirshield.verify.Reason: verify (layer 2) is not below it",
                "X.java:6: passport (layer 1) uses org.stirshield.agi.AgiServer.start: agi (layer 6) is not below it",
                "X.java:11: passport uses org.asteriskjava.fastagi.AgiChannel.class: only agi may use asterisk-java"), v);
        assertEquals(List.of(), violations("Y.java", "agi", "import org.asteriskjava.fastagi.AgiChannel;\n"
                + "import org.stirshield.service.CallScreener;\n"));
        assertEquals(List.of("Z.java: package newpkg has no layer in ArchitectureTest.LAYER: place it there"),
                violations("Z.java", "newpkg", "class Z {}\n"));
    }

    static List<String> violations(String file, String pkg, String source) {
        List<String> out = new ArrayList<>();
        Integer layer = LAYER.get(pkg);
        if (layer == null) {
            return List.of(file + ": package " + (pkg.isEmpty() ? "(root)" : pkg)
                    + " has no layer in ArchitectureTest.LAYER: place it there");
        }
        String code = codeOnly(source);
        Matcher qm = QUALIFIED.matcher(code);
        while (qm.find()) {
            String name = qm.group(1);
            int line = lineOf(code, qm.start(1));
            if (name.startsWith("org.asteriskjava")) {
                if (!pkg.equals(ASTERISK_JAVA_PACKAGE)) {
                    out.add(file + ":" + line + ": " + pkg + " uses " + name + ": only "
                            + ASTERISK_JAVA_PACKAGE + " may use asterisk-java");
                }
                continue;
            }
            String target = name.substring("org.stirshield.".length()).split("\\.")[0];
            if (target.equals(pkg) || !Character.isLowerCase(target.charAt(0))) {
                continue;
            }
            Integer targetLayer = LAYER.get(target);
            if (targetLayer == null) {
                out.add(file + ":" + line + ": " + pkg + " uses " + name + ": package " + target
                        + " has no layer in ArchitectureTest.LAYER");
            } else if (targetLayer >= layer) {
                out.add(file + ":" + line + ": " + pkg + " (layer " + layer + ") uses " + name + ": " + target
                        + " (layer " + targetLayer + ") is not below it");
            }
        }
        return out;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The source with comments, string, text-block and char literals blanked out (line breaks kept). */
    static String codeOnly(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(s, i, end, out);
                i = end;
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                while (end > 0 && s.charAt(end - 1) == '\\') {
                    end = s.indexOf("\"\"\"", end + 1);
                }
                end = end < 0 ? n : end + 3;
                blank(s, i, end, out);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(n, j + 1);
                blank(s, i, end, out);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void blank(String s, int from, int to, StringBuilder out) {
        for (int k = from; k < to; k++) {
            out.append(s.charAt(k) == '\n' ? '\n' : ' ');
        }
    }
}
