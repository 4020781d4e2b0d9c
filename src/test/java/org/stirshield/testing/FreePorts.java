package org.stirshield.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** Free TCP ports for a server a test starts in another process. */
public final class FreePorts {
    private FreePorts() {
    }

    /**
     * {@code n} distinct ports that were free a moment ago. The sockets are held open together until all are
     * known: closing each before asking for the next can hand the same port out twice (a server then fails with
     * "Address already in use").
     */
    public static int[] distinct(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
