package org.stirshield.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stirshield demo-pki}: a lab STI PKI (root, intermediate, SHAKEN leaf with TNAuthList) for trying
 * StirShield without a real STI-CA. Never trust its root in production.
 */
@Command(name = "demo-pki", mixinStandardHelpOptions = true,
        description = "Create a demo STI PKI: trust/root.pem, sp-chain.pem (leaf + intermediate), sp-key.pem.")
final class PkiCommand implements Callable<Integer> {

    @Option(names = "--dir", defaultValue = "demo-pki", description = "output directory (default ./demo-pki)")
    Path dir;

    @Option(names = "--spc", defaultValue = "1234", description = "service provider code in the TNAuthList")
    String spc;

    @Option(names = "--tn", split = ",", description = "telephone numbers to put in the TNAuthList as well")
    List<String> tns;

    @Override
    public Integer call() throws IOException {
        CertificateAuthority root = CertificateAuthority.root("StirShield Demo STI-CA Root (NOT FOR PRODUCTION)");
        CertificateAuthority inter = root.intermediate("StirShield Demo STI-CA Issuing");
        LeafSpec spec = LeafSpec.spc(spc);
        if (tns != null && !tns.isEmpty()) {
            spec = spec.withNumbers(tns.stream().map(t -> t.startsWith("+") ? t.substring(1) : t).toArray(String[]::new));
        }
        LeafCertificate leaf = inter.issueLeaf(spec);
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("sp-chain.pem"), leaf.chainPem());
        Path key = dir.resolve("sp-key.pem");
        Files.writeString(key, Pem.privateKey(leaf.privateKey()));
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        System.out.println("trust anchor: " + dir.resolve("trust/root.pem"));
        System.out.println("x5u chain:    " + dir.resolve("sp-chain.pem") + "  (SPC " + spc + ")");
        System.out.println("signing key:  " + key);
        return 0;
    }
}
