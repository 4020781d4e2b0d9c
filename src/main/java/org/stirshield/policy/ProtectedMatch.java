package org.stirshield.policy;

/**
 * The protected entry a caller TN matched.
 *
 * @param entry the entry as configured (E.164 number, prefix such as {@code 8610*}, or range)
 * @param agency the agency that owns it (display name, STIR_AGENCY)
 * @param policy the name of the policy that applies
 */
public record ProtectedMatch(String entry, String agency, String policy) {
}
