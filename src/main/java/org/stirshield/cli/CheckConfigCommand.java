package org.stirshield.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being built. */
@Command(name = "check-config", description = "(being built)")
final class CheckConfigCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("stirshield check-config: not built yet");
        return 2;
    }
}
