package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped HA sample as Asterisk 22 would run it: the {@code STIRSHIELD_AGI} value of
 * asterisk-conf/extensions-ha.conf, put in the place of {@code ${LOCAL(agi)}} in extensions.conf's AGI() line,
 * gives the URL Asterisk opens; res_agi's hagi:// takes the script from what follows the DNS name and sends it
 * to each SRV target as {@code agi_network_script}. That script, sent to a real server, must be the one it
 * serves ({@code verify}), not refused as {@code unknown_script}. And the sample declares no context
 * (no second [globals] beside the PBX's own).
 */
class HaDialplanSampleTest {
    private static final Pattern HA_VALUE = Pattern.compile("^;?\\s*STIRSHIELD_AGI=(\\S+)\\s*$");
    private static final Pattern AGI_LINE = Pattern.compile("^\\s*same\\s*=>\\s*n,AGI\\(\\$\\{LOCAL\\(agi\\)}([^,)]*)[,)]");

    @Test
    void theHaValueJoinedWithTheDialplansAgiLinesAsksForScriptsTheServerServes() throws Exception {
        List<String> ha = Files.readAllLines(Path.of("asterisk-conf/extensions-ha.conf"));
        List<String> values = new ArrayList<>();
        for (int i = 0; i < ha.size(); i++) {
            String l = ha.get(i).strip();
            assertFalse(l.startsWith("["), "extensions-ha.conf:" + (i + 1) + ": declares a context, which collides"
                    + " with the PBX's own when pasted or included: " + l);
            Matcher m = HA_VALUE.matcher(l);
            if (m.matches()) {
                values.add(m.group(1));
            }
        }
        assertEquals(1, values.size(), "extensions-ha.conf gives one STIRSHIELD_AGI value: " + values);

        List<String> suffixes = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("asterisk-conf/extensions.conf"))) {
            Matcher m = AGI_LINE.matcher(l);
            if (m.find()) {
                suffixes.add(m.group(1));
            }
        }
        assertEquals(List.of("/verify", "/sign"), suffixes, "extensions.conf's AGI(${LOCAL(agi)}...) lines");

        try (Scenarios scenarios = new Scenarios()) {
            AgiServer server = AgiServer.start(ServerSettings.defaults()
                    .withListen(new InetSocketAddress("127.0.0.1", 0)), scenarios.screener());
            try {
                for (String suffix : suffixes) {
                    String url = values.get(0) + suffix;
                    assertTrue(url.startsWith("hagi://"), url);
                    String script = asteriskHagiScript(url);
                    assertEquals(suffix.substring(1), script, "the script Asterisk asks for with " + url);
                    // and the server answers that script (not unknown_script), over real TCP
                    AgiClient.Result r = AgiClient.run(server.address(), AgiClient.call(server.address(), script,
                            Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, "from-carrier", List.of(Scenarios.genuine())),
                            Duration.ofSeconds(20));
                    assertTrue(r.completed(), r.error());
                    assertNotEquals("unknown_script", r.variables().get("STIR_REASON"), url + ": " + r.variables());
                    if (script.equals("verify")) {
                        assertEquals("PASS", r.variables().get("STIR_STATUS"), r.variables().toString());
                    } else {
                        assertTrue(r.variables().containsKey("STIR_SIGN_STATUS"), r.variables().toString());
                    }
                }
                assertEquals(0, server.stats().unknownScript());
            } finally {
                server.shutdown(Duration.ofSeconds(2));
            }
        }
    }

    /**
     * res_agi.c launch_ha_netscript: strip "hagi://", cut at the first '/': before it the SRV name, after it
     * the script (possibly empty), sent to each target as agi://TARGET:PORT/SCRIPT and agi_network_script.
     */
    private static String asteriskHagiScript(String url) {
        String rest = url.substring("hagi://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? "" : rest.substring(slash + 1);
    }
}
