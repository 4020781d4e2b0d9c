package org.stirshield.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stirshield.policy.PolicyException;
import org.stirshield.policy.PolicyLoader;

/**
 * The operator's policy files: policy.yaml (LocatedYaml, PolicyLoader) and the CSV number lists it names. Either
 * a policy, or PolicyException naming file and line. Seeds: asterisk-conf/policy.yaml and policy-numbers.csv and
 * the policy test files (SeedCorpus).
 */
class PolicyFuzzTest {
    private static final Path DIR;
    private static final Path YAML;
    private static final Path CSV_POLICY;
    private static final Path CSV;

    static {
        try {
            DIR = Files.createTempDirectory("stirshield-policy-fuzz");
            DIR.toFile().deleteOnExit();
            YAML = DIR.resolve("policy.yaml");
            CSV_POLICY = DIR.resolve("with-csv.yaml");
            CSV = DIR.resolve("numbers.csv");
            Files.writeString(CSV_POLICY, """
                    policies:
                      agency: {min_attest: A, on_failure: reject}
                      hotline: {inbound_only: true}
                    csv: [numbers.csv]
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** policy.yaml as the operator wrote it. */
    @FuzzTest(maxDuration = "10s")
    void policyYaml(byte[] yaml) {
        Invariant.holds(() -> {
            Files.write(YAML, yaml);
            PolicyLoader.load(YAML).lookup("12155550100");
        }, PolicyException.class);
    }

    /** A CSV number list named by a valid policy.yaml. */
    @FuzzTest(maxDuration = "10s")
    void numbersCsv(byte[] csv) {
        Invariant.holds(() -> {
            Files.write(CSV, csv);
            PolicyLoader.load(CSV_POLICY).lookup("525536865000");
        }, PolicyException.class);
    }
}
