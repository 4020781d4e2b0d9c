package org.stirshield.agi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The FastAGI listeners: one per event loop on the same address, with {@code SO_REUSEPORT} (the kernel
 * hands each new connection to one of them, so no loop hands connections to another). {@code SO_REUSEPORT}
 * would also let a second process with the option join the port unnoticed (a second {@code serve} started
 * by mistake would silently take half the calls), so the address is first bound once without it: a port
 * another process listens on is refused as before ("Address already in use"). Where the platform has no
 * {@code SO_REUSEPORT}, one listener (and so one loop) serves.
 */
final class Listeners {
    private Listeners() {
    }

    /** Binds up to {@code count} listeners on {@code address}; at least one. */
    static List<ServerSocketChannel> bind(InetSocketAddress address, int backlog, int count) throws IOException {
        List<ServerSocketChannel> bound = new ArrayList<>(count);
        try {
            ServerSocketChannel first = ServerSocketChannel.open();
            bound.add(first);
            first.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (count == 1 || !first.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                first.bind(address, backlog);
                return bound;
            }
            // the probe: fails when anyone listens there, with or without SO_REUSEPORT
            first.bind(address, 1);
            InetSocketAddress port = new InetSocketAddress(address.getAddress(),
                    ((InetSocketAddress) first.getLocalAddress()).getPort());
            first.close();
            bound.clear();
            for (int i = 0; i < count; i++) {
                ServerSocketChannel l = ServerSocketChannel.open();
                bound.add(l);
                l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                l.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                l.bind(port, backlog);
            }
            return bound;
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel l : bound) {
                try {
                    l.close();
                } catch (IOException ignored) {
                    // failing anyway
                }
            }
            throw e;
        }
    }
}
