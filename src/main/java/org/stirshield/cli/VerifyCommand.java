package org.stirshield.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being built. */
@Command(name = "verify", description = "(being built)")
final class VerifyCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("stirshield verify: not built yet");
        return 2;
    }
}
