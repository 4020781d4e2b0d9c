package org.stirshield.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being built. */
@Command(name = "serve", description = "(being built)")
final class ServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("stirshield serve: not built yet");
        return 2;
    }
}
