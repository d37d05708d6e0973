package dev.strata.rescore;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What the rescorer does when the Strata service cannot score the window. */
public enum OnFailure {
    /** Return the shard's first-stage hits unchanged and log (rate-limited). */
    KEEP_ORDER,
    /** Fail the search with the service's URL and the reason. */
    ERROR;

    public String dslName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OnFailure fromDsl(String value) {
        for (OnFailure mode : values()) {
            if (mode.dslName().equals(value)) {
                return mode;
            }
        }
        String allowed = Arrays.stream(values()).map(OnFailure::dslName).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("[strata] [on_failure] must be one of [" + allowed + "], got [" + value + "]");
    }
}
