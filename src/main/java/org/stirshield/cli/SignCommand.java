package org.stirshield.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.stirshield.sign.KeyFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stirshield sign}: the authentication side, for labs and tests: prints a SIP Identity header value. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign a SHAKEN PASSporT (RFC 8588), optionally with Rich Call Data (RFC 9795), a div PASSporT "
                + "(RFC 8946) or an rcd PASSporT, and print the SIP Identity header value.")
final class SignCommand implements Callable<Integer> {

    @Option(names = "--key", required = true, description = "PEM private key (EC P-256) of the signing certificate")
    Path key;

    @Option(names = "--x5u", required = true, description = "https URL where the certificate chain is published")
    String x5u;

    @Option(names = "--orig", required = true, description = "calling TN, canonical E.164 digits (e.g. 861012308)")
    String orig;

    @Option(names = "--dest", required = true, split = ",", description = "called TN(s), canonical E.164 digits")
    List<String> dest;

    @Option(names = "--attest", defaultValue = "A", description = "attestation: A, B or C (default A)")
    String attest;

    @Option(names = "--iat", description = "issued-at, epoch seconds (default now)")
    Long iat;

    @Option(names = "--origid", description = "origination identifier (default a random UUID)")
    String origid;

    @CommandLine.Mixin
    SignExtensions extensions;

    @Override
    public Integer call() throws IOException {
        PrivateKey pk = KeyFiles.readPrivateKey(Files.readString(key));
        long issuedAt = iat != null ? iat : Instant.now().getEpochSecond();
        System.out.println(extensions.identity(pk, x5u, attest, strip(orig), dest.stream().map(SignCommand::strip).toList(),
                issuedAt, origid));
        return 0;
    }

    private static String strip(String tn) {
        return tn.startsWith("+") ? tn.substring(1) : tn;
    }
}
