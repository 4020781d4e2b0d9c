package org.stirshield.agi;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may talk FastAGI to us. FastAGI has no authentication, so the source address is the only
 * gate: a client outside the list is closed at accept, before a byte is read, logged once per address
 * (a scanner must not flood the log) and counted.
 */
final class AllowList {
    private static final Logger LOG = LoggerFactory.getLogger(AllowList.class);
    /** Bound on the addresses remembered for log-once; beyond it, refusals are still counted, not logged. */
    private static final int MAX_REMEMBERED = 4096;

    private final List<Cidr> blocks;
    private final Set<InetAddress> logged = ConcurrentHashMap.newKeySet();

    AllowList(List<String> blocks) {
        this.blocks = blocks.stream().map(Cidr::parse).toList();
    }

    boolean permits(InetAddress address) {
        for (Cidr c : blocks) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Records a refusal; logs it the first time this address is refused. */
    void refused(InetAddress address) {
        if (logged.size() < MAX_REMEMBERED && logged.add(address)) {
            LOG.warn("FastAGI connection from {} refused: not in server.allow {} (further refusals of this address"
                    + " are counted, not logged)", address.getHostAddress(), blocks);
        }
    }

    int refusedAddresses() {
        return logged.size();
    }

    @Override
    public String toString() {
        return blocks.toString();
    }
}
