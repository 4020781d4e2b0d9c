package org.stirshield.policy;

/** Told about every reload attempt of a {@link ReloadingPolicy} (e.g. to count reloads in metrics). */
@FunctionalInterface
public interface PolicyReloadListener {
    /**
     * @param ok true when the new policy was loaded and is now in force; false when it was refused and
     *     the previous one stays in force
     * @param detail a one-line summary of the new policy, or {@code file:line: reason} of the refusal
     */
    void reloaded(boolean ok, String detail);
}
