package org.stirshield.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stirshield.config.ConfigValues;
import org.stirshield.service.StirShieldService;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;

/**
 * ES256 on one core, StirShield against OpenSSL in the same run: {@code openssl speed ecdsap256}'s
 * verifications per second, and warm {@code verify}s per second of CPU time on one thread (parse, claims,
 * certificate from the cache, revocation state, signature: every check), over distinct PASSporTs.
 */
final class VerifyRate {
    /** OpenSSL's and StirShield's rates, per second; NaN when OpenSSL is not available. */
    record Rates(double openssl, double stirshield, double es256Only, String provider) {
        double ratio() {
            return stirshield / openssl;
        }
    }

    private VerifyRate() {
    }

    static Rates measure(BenchSetup setup, Path config, int seconds) throws Exception {
        double openssl = openssl(seconds);
        StirShieldService service = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), null, "off"));
        try {
            Verifier verifier = service.verifier();
            org.stirshield.passport.Es256.awaitFastest(java.time.Duration.ofSeconds(30));
            List<String> headers = setup.identities(20_000, BenchSetup.PINNED_X5U);
            CallAttempt[] calls = new CallAttempt[headers.size()];
            for (int i = 0; i < calls.length; i++) {
                calls[i] = new CallAttempt(BenchSetup.CALLER, BenchSetup.CALLED, List.of(headers.get(i)), null,
                        "bench", "bench." + i, null, null);
            }
            Instant now = Instant.now();
            if (verifier.verify(calls[0], now).status() != Verdict.Status.PASS) {
                throw new IllegalStateException("the bench PASSporT does not verify: " + verifier.verify(calls[0], now));
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < calls.length / 2; i++) { // warm-up (JIT)
                verifier.verify(calls[i], now);
            }
            long budget = TimeUnit.SECONDS.toNanos(seconds);
            long c0 = mx.getCurrentThreadCpuTime();
            long n = 0;
            while (mx.getCurrentThreadCpuTime() - c0 < budget) {
                for (int k = 0; k < 200; k++, n++) {
                    verifier.verify(calls[(int) (n % calls.length)], now);
                }
            }
            double rate = n / ((mx.getCurrentThreadCpuTime() - c0) / 1e9);
            return new Rates(openssl, rate, Double.NaN, verifier.cryptoProvider());
        } finally {
            service.close();
        }
    }

    /** {@code openssl speed -seconds N ecdsap256}: verifications per second, or NaN. */
    static double openssl(int seconds) {
        try {
            Process p = new ProcessBuilder("openssl", "speed", "-seconds", Integer.toString(seconds), "ecdsap256")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(60, TimeUnit.SECONDS);
            // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  49047.7  17076.3"
            Matcher m = Pattern.compile("256 bits ecdsa \\(nistp256\\)\\s+\\S+s\\s+\\S+s\\s+([0-9.]+)\\s+([0-9.]+)").matcher(out);
            return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
        } catch (IOException | InterruptedException e) {
            return Double.NaN;
        }
    }
}
