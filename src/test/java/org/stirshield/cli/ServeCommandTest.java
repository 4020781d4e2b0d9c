package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** serve's plain command-line parser (start-up without picocli's model) agrees with picocli or leaves it to picocli. */
class ServeCommandTest {

    @Test
    void plainCommandLinesParseAsPicocliParsesThem() {
        List<String[]> plain = List.of(
                new String[] {},
                new String[] {"--config", "/etc/stirshield/stirshield.yaml"},
                new String[] {"--config=conf/s.yaml", "--listen", "0.0.0.0:4573"},
                new String[] {"--listen=127.0.0.1:4599", "--metrics", "off", "--audit", "a.jsonl"},
                new String[] {"--metrics=127.0.0.1:0", "--audit=x/y.jsonl", "--config", "c.yaml", "--listen", "[::1]:4573"});
        for (String[] args : plain) {
            ServeCommand fast = ServeCommand.parsePlain(args);
            assertNotNull(fast, String.join(" ", args));
            ServeCommand pico = new ServeCommand();
            new CommandLine(pico).parseArgs(args);
            String what = String.join(" ", args);
            assertEquals(pico.config, fast.config, what);
            assertEquals(pico.listen, fast.listen, what);
            assertEquals(pico.audit, fast.audit, what);
            assertEquals(pico.metrics, fast.metrics, what);
        }
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        List<String[]> others = List.of(
                new String[] {"--help"},
                new String[] {"-h"},
                new String[] {"--version"},
                new String[] {"--config"},
                new String[] {"--config="},
                new String[] {"--config", "--listen", "1.2.3.4:5"},
                new String[] {"--config", "a.yaml", "--config", "b.yaml"},
                new String[] {"--lisen", "127.0.0.1:1"},
                new String[] {"@args.txt"},
                new String[] {"--config", "@args.txt"},
                new String[] {"--", "--config", "a"},
                new String[] {"extra"});
        for (String[] args : others) {
            assertNull(ServeCommand.parsePlain(args), String.join(" ", args));
        }
    }

    @Test
    void thePlainParserKnowsEveryOptionOfServe() {
        Set<String> options = new TreeSet<>();
        new CommandLine(new ServeCommand()).getCommandSpec().options().forEach(o -> {
            if (!o.usageHelp() && !o.versionHelp()) {
                options.add(o.longestName());
            }
        });
        assertEquals(new TreeSet<>(List.of("--config", "--listen", "--audit", "--metrics")), options,
                "a new serve option must be added to ServeCommand.parsePlain too");
    }
}
