package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.testing.Dnsmasq;

/** hagi:// targets from DNS SRV records served by a real dnsmasq on loopback, ordered as RFC 2782 says. */
class AgiTargetsTest {

    @Test
    void srvTargetsInPriorityOrderWithTheirAddressesAndPorts(@TempDir Path dir) throws Exception {
        try (Dnsmasq dns = Dnsmasq.start(dir, List.of(
                new Dnsmasq.Srv("stirshield.test", "b.stirshield.test", 4574, 20, 100),
                new Dnsmasq.Srv("stirshield.test", "a.stirshield.test", 4573, 10, 100),
                new Dnsmasq.Srv("stirshield.test", "c.stirshield.test", 4575, 30, 0)), List.of(
                new Dnsmasq.Host("a.stirshield.test", "127.0.0.11"),
                new Dnsmasq.Host("b.stirshield.test", "127.0.0.12"),
                new Dnsmasq.Host("c.stirshield.test", "127.0.0.13")))) {
            List<AgiTargets.Target> t = AgiTargets.resolve(List.of("hagi://stirshield.test/verify"), "x", dns.address());
            assertEquals(List.of("127.0.0.11:4573", "127.0.0.12:4574", "127.0.0.13:4575"),
                    t.stream().map(Object::toString).toList());
            assertEquals("verify", t.get(0).script());
            assertEquals("hagi://stirshield.test/verify", t.get(0).request());

            List<AgiTargets.Target> mixed = AgiTargets.resolve(List.of("127.0.0.1:5000", "hagi://stirshield.test"),
                    "verify", dns.address());
            assertEquals("127.0.0.1:5000", mixed.get(0).toString());
            assertEquals(4, mixed.size());

            IOException none = assertThrows(IOException.class,
                    () -> AgiTargets.resolve(List.of("hagi://absent.test/verify"), "verify", dns.address()));
            assertTrue(none.getMessage().contains("_agi._tcp.absent.test") && none.getMessage().contains(dns.address()),
                    none.getMessage());
        }
    }

    @Test
    void withinOnePriorityTheWeightsShareTheFirstPlace() {
        List<AgiTargets.Srv> records = List.of(new AgiTargets.Srv(10, 90, 1, "heavy"),
                new AgiTargets.Srv(10, 10, 2, "light"), new AgiTargets.Srv(5, 0, 3, "first"));
        int heavyFirst = 0;
        for (int i = 0; i < 1000; i++) {
            List<AgiTargets.Srv> o = AgiTargets.order(records);
            assertEquals("first", o.get(0).target(), "the lowest priority always comes first");
            assertEquals(3, o.size());
            if (o.get(1).target().equals("heavy")) {
                heavyFirst++;
            }
        }
        assertTrue(heavyFirst > 800 && heavyFirst < 970, "about 90 %: " + heavyFirst);
    }

    @Test
    void badValuesAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> AgiTargets.resolve(List.of("hagi://name:4573/verify"),
                "verify", null));
        assertThrows(IllegalArgumentException.class, () -> AgiTargets.resolve(List.of("nonsense"), "verify", null));
    }
}
