package org.stirshield.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/configuration.md documents every key the schema knows, with the right "applied" column, and no other. */
class ConfigurationDocsTest {
    private static final Pattern ROW = Pattern.compile(
            "(?m)^\\| `([a-z0-9_.]+)` \\|((?:[^|\\\\]|\\\\.)*)\\|((?:[^|\\\\]|\\\\.)*)\\|((?:[^|\\\\]|\\\\.)*)\\|");

    @Test
    void everyDeclaredKeyHasARowWithItsReloadBehaviour() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        List<String> problems = new ArrayList<>();
        java.util.Map<String, String> applied = new java.util.HashMap<>();
        Matcher m = ROW.matcher(doc);
        while (m.find()) {
            applied.put(m.group(1), m.group(4).strip());
        }
        for (ConfigSchema.Key k : ConfigSchema.STIRSHIELD.leaves()) {
            String want = k.apply() == ConfigSchema.Apply.RELOAD ? "reload" : "restart";
            String got = applied.remove(k.path());
            if (got == null) {
                problems.add("no row for `" + k.path() + "`");
            } else if (!got.equals(want)) {
                problems.add("`" + k.path() + "`: documented as '" + got + "', the schema says " + want);
            }
        }
        applied.keySet().forEach(k -> problems.add("documented but not a key: `" + k + "`"));
        assertTrue(problems.isEmpty(), "docs/configuration.md:\n" + String.join("\n", problems));
    }
}
