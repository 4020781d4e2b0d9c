package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Action;

class ServerSettingsTest {

    @Test
    void defaultsAreLoopbackOnlyOneSecondDeadline() {
        ServerSettings s = ServerSettings.defaults();
        assertEquals("127.0.0.1", s.listen().getHostString());
        assertEquals(4573, s.listen().getPort());
        assertEquals(List.of("127.0.0.0/8", "::1/128"), s.allow());
        assertEquals(Duration.ofSeconds(1), s.decisionDeadline());
        assertEquals(Action.TAG, s.failsafeAction());
    }

    @Test
    void readsTheServerSection(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("stirshield.yaml");
        Files.writeString(f, """
                server:
                  listen: 0.0.0.0:14573
                  allow: [127.0.0.1/32, 192.0.2.10]
                  max_sessions: 64
                  read_timeout: 750ms
                  decision_deadline: 800ms
                  shutdown_grace: 3s
                  backlog: 512
                  failsafe_action: reject
                """);
        ServerSettings s = ServerSettings.from(ConfigValues.section(ConfigValues.readYaml(f), "server"));
        assertEquals(14573, s.listen().getPort());
        assertEquals(List.of("127.0.0.1/32", "192.0.2.10"), s.allow());
        assertEquals(64, s.maxSessions());
        assertEquals(Duration.ofMillis(750), s.readTimeout());
        assertEquals(Duration.ofMillis(800), s.decisionDeadline());
        assertEquals(Duration.ofSeconds(3), s.shutdownGrace());
        assertEquals(512, s.backlog());
        assertEquals(Action.REJECT, s.failsafeAction());
    }

    @Test
    void theSampleConfigurationLoads() throws Exception {
        Path sample = Path.of("asterisk-conf/stirshield.yaml");
        ServerSettings s = ServerSettings.from(ConfigValues.section(ConfigValues.readYaml(sample), "server"));
        assertEquals(4573, s.listen().getPort());
    }

    @Test
    void badValuesAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> ServerSettings.parseListen("host:99999"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("asterisk.local"));
        assertTrue(e.getMessage().contains("server.allow"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
    }

    @Test
    void cidrMatching() throws Exception {
        Cidr lo = Cidr.parse("127.0.0.1/32");
        assertTrue(lo.contains(InetAddress.getByName("127.0.0.1")));
        assertFalse(lo.contains(InetAddress.getByName("127.0.0.2")));
        assertTrue(lo.contains(InetAddress.getByName("::ffff:127.0.0.1")), "IPv4-mapped IPv6");
        Cidr net = Cidr.parse("192.0.2.0/24");
        assertTrue(net.contains(InetAddress.getByName("192.0.2.77")));
        assertFalse(net.contains(InetAddress.getByName("192.0.3.1")));
        assertTrue(Cidr.parse("::1/128").contains(InetAddress.getByName("::1")));
        assertFalse(Cidr.parse("::1/128").contains(InetAddress.getByName("127.0.0.1")));
        assertEquals(InetAddress.getByName("::1"), InetAddress.getByName("0:0:0:0:0:0:0:1"));
        assertEquals(ServerSettings.parseListen("[::1]:4573").getPort(), 4573);
    }
}
