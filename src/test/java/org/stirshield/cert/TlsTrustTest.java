package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetchers' TLS trust: a tls_ca_file read at start-up, the JDK's trust store parsed at first use or warm-up. */
class TlsTrustTest {
    @TempDir
    Path dir;

    @Test
    void theJdkTrustStoreIsSharedAndBuiltOnceWhenFirstNeeded() {
        TlsTrust jdk = TlsTrust.of((Path) null);
        assertSame(jdk, TlsTrust.of((Path) null), "one JDK trust store for every fetcher of the JVM");
        TrustManager[] m = jdk.get();
        assertTrue(m.length == 1 && m[0] instanceof HostnameTrustManager);
        assertSame(m, jdk.get());
        assertNull(jdk.problem());
        assertTrue(Files.isReadable(TlsTrust.jdkTrustStore()), TlsTrust.jdkTrustStore().toString());
    }

    @Test
    void aTrustStoreThatFailsLaterIsAProblemAndEveryUseSaysWhy() {
        AtomicInteger loads = new AtomicInteger();
        TlsTrust t = TlsTrust.deferred(() -> {
            loads.incrementAndGet();
            throw new IllegalArgumentException("Invalid keystore format");
        });
        assertNull(t.problem(), "nothing built at start-up");
        assertEquals(0, loads.get());
        t.warmUp(); // the background warm-up: never throws
        assertTrue(t.problem().contains("Invalid keystore format"), t.problem());
        IllegalStateException e = assertThrows(IllegalStateException.class, t::get);
        assertTrue(e.getMessage().startsWith("TLS unavailable: the JDK trust store cannot be used"), e.getMessage());
    }

    @Test
    void aBrokenTlsCaFileIsStillAnErrorAtStartUp() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsTrust.of(ca));
        assertTrue(e.getMessage().contains("certificates.tls_ca_file " + ca), e.getMessage());
    }
}
