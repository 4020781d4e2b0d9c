package org.stirshield.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being built. */
@Command(name = "call", description = "(being built)")
final class CallCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("stirshield call: not built yet");
        return 2;
    }
}
