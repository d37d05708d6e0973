package dev.strata.rescore;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a hit's first-stage score and its Strata score become the rescored score.
 *
 * <p>Weights follow the built-in {@code query} rescorer: {@code query_weight} scales the first-stage score and
 * {@code rescore_query_weight} scales the Strata score before they are combined.
 *
 * <pre>
 *   replace:  rescore_query_weight * strata            (the first-stage score is dropped)
 *   total:    query_weight * first + rescore_query_weight * strata
 *   multiply: (query_weight * first) * (rescore_query_weight * strata)
 * </pre>
 */
public enum ScoreMode {
    REPLACE {
        @Override
        public float combine(float first, float strata, float queryWeight, float rescoreQueryWeight) {
            return rescoreQueryWeight * strata;
        }

        @Override
        public float outsideWindow(float first, float queryWeight) {
            return first;
        }
    },
    TOTAL {
        @Override
        public float combine(float first, float strata, float queryWeight, float rescoreQueryWeight) {
            return queryWeight * first + rescoreQueryWeight * strata;
        }
    },
    MULTIPLY {
        @Override
        public float combine(float first, float strata, float queryWeight, float rescoreQueryWeight) {
            return (queryWeight * first) * (rescoreQueryWeight * strata);
        }
    };

    /** The rescored score of a hit inside the window. */
    public abstract float combine(float first, float strata, float queryWeight, float rescoreQueryWeight);

    /**
     * The score of a hit past the window (not sent to the service). As in the {@code query} rescorer it keeps its
     * first-stage score scaled by {@code query_weight}; {@code replace} leaves it as it was.
     */
    public float outsideWindow(float first, float queryWeight) {
        return queryWeight * first;
    }

    /** The name used in the query DSL. */
    public String dslName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a DSL name; the message names the field and the accepted values. */
    public static ScoreMode fromDsl(String value) {
        for (ScoreMode mode : values()) {
            if (mode.dslName().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException(
            "[strata] [score_mode] must be one of [" + allowed() + "], got [" + value + "]"
        );
    }

    static String allowed() {
        return Arrays.stream(values()).map(ScoreMode::dslName).collect(Collectors.joining(", "));
    }
}
