package org.stirshield.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.stirshield.cert.CertificateChains;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.passport.Es256;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.testing.Fixture;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/**
 * Per-operation rates from the measuring thread's CPU time (not wall time), single thread: on a
 * machine shared with other builds, wall-clock throughput (JMH) mostly measures the scheduler.
 * {@code scripts/bench --cpu}.
 */
public final class CpuRates {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    interface Op {
        Object run() throws Exception;
    }

    static double rate(String name, Op op, int warm, int n) throws Exception {
        for (int i = 0; i < warm; i++) {
            op.run();
        }
        double best = 0;
        for (int round = 0; round < 3; round++) {
            long c0 = MX.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                op.run();
            }
            double perSec = n / ((MX.getCurrentThreadCpuTime() - c0) / 1e9);
            best = Math.max(best, perSec);
        }
        System.out.printf("%-44s %12.0f ops/s (CPU time, best of 3 x %d)%n", name, best, n);
        return best;
    }

    public static void main(String[] args) throws Exception {
        Fixture f = new Fixture();
        CallAttempt call = CallAttempt.of("+1 215 555 0100", Fixture.CALLED, List.of(Fixture.identity(f.token())));
        Passport p = Passport.decode(IdentityHeader.parse(call.identityHeaders().get(0), 8192).token());
        PublicKey key = f.leaf.cert().getPublicKey();
        byte[] chain = f.served.get(Fixture.X5U);
        for (Provider prov : Es256.candidates()) {
            Es256 es = Es256.with(prov);
            rate("ES256 verify only [" + prov.getName() + "]", () -> es.verify(key, p.signingInput(), p.signature()), 3000, 3000);
            Verifier v = Verifier.create(VerifierSettings.defaults(), new LocalCertificateSource(f.served, f.validator(), null), es);
            if (v.verify(call, Fixture.NOW).status() != Verdict.Status.PASS) {
                throw new IllegalStateException("setup");
            }
            rate("Verifier.verify, same token again (verified-PASSporT cache hit) [" + prov.getName() + "]", () -> v.verify(call, Fixture.NOW), 3000, 3000);
        }
        PKIXParameters pkix = new PKIXParameters(Set.of(new TrustAnchor(f.root.cert(), null)));
        pkix.setDate(Date.from(Fixture.NOW));
        pkix.setRevocationEnabled(false);
        CertPathValidator jdk = CertPathValidator.getInstance("PKIX");
        CertPathValidator bc = CertPathValidator.getInstance("PKIX", new org.bouncycastle.jce.provider.BouncyCastleProvider());
        String hv = call.identityHeaders().get(0);
        rate("IdentityHeader.parse + Passport.decode", () -> Passport.decode(IdentityHeader.parse(hv, 8192).token()), 20000, 20000);
        rate("Passport.digest (SHA-256 of signing input)", p::digest, 20000, 20000);
        LocalCertificateSource src = new LocalCertificateSource(f.served, f.validator(), null);
        src.credential(Fixture.X5U, Fixture.NOW, org.stirshield.cert.Deadline.none());
        rate("certificate source hit + checkValidAt", () -> src.credential(Fixture.X5U, Fixture.NOW, org.stirshield.cert.Deadline.none()),
                20000, 20000);
        rate("parse 2-cert PEM chain", () -> CertificateChains.parse(chain), 2000, 3000);
        org.stirshield.passport.TnCanonicalizer tn = new org.stirshield.passport.TnCanonicalizer("US", 15);
        rate("canonicalize national (215) 555-0100 [US]", () -> tn.canonicalize("(215) 555-0100"), 20000, 20000);
        rate("canonicalize +1 215 555 0100", () -> tn.canonicalize("+1 215 555 0100"), 20000, 20000);
        // The JDK caches parsed certificates by encoding and remembers verified signatures per object, so
        // path validation is measured over distinct chains (a fresh intermediate and leaf each time).
        int n = 400;
        List<byte[]> chains = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            org.stirshield.testing.TestPki.Issued ca = org.stirshield.testing.TestPki.intermediate(f.root, "CA " + i,
                    Fixture.NOW.minusSeconds(86400), Fixture.NOW.plusSeconds(86400));
            org.stirshield.testing.TestPki.Issued leaf = org.stirshield.testing.TestPki.leaf(ca, new org.stirshield.testing.TestPki.LeafSpec());
            chains.add(org.stirshield.testing.TestPki.pem(leaf.cert(), ca.cert()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        int[] next = {0};
        rate("parse + PKIX path validation, distinct chains [JDK]", () -> jdk.validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(CertificateChains.parse(chains.get(next[0]++ % n))), pkix), 0, n / 4);
        rate("parse + PKIX path validation, distinct chains [BC]", () -> bc.validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(CertificateChains.parse(chains.get(next[0]++ % n))), pkix), 0, n / 4);
        long c0 = MX.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        Es256 chosen = Es256.fastest();
        System.out.printf("ES256 provider choice at startup: %s, %.0f ms CPU, %.0f ms wall%n", chosen.providerName(),
                (MX.getCurrentThreadCpuTime() - c0) / 1e6, (System.nanoTime() - w0) / 1e6);
    }
}
