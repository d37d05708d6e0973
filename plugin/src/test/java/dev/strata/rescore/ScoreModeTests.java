package dev.strata.rescore;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ScoreModeTests {
    private static final float EPS = 1e-6f;

    @Test
    void replaceKeepsOnlyTheWeightedStrataScore() {
        assertEquals(0.8f, ScoreMode.REPLACE.combine(12.5f, 0.8f, 1f, 1f), EPS);
        assertEquals(1.6f, ScoreMode.REPLACE.combine(12.5f, 0.8f, 3f, 2f), EPS);
        assertEquals(-2.0f, ScoreMode.REPLACE.combine(12.5f, -2.0f, 1f, 1f), EPS);
    }

    @Test
    void totalAddsWeightedScores() {
        assertEquals(13.3f, ScoreMode.TOTAL.combine(12.5f, 0.8f, 1f, 1f), EPS);
        // 0.5 * 12.5 + 10 * 0.8
        assertEquals(14.25f, ScoreMode.TOTAL.combine(12.5f, 0.8f, 0.5f, 10f), EPS);
        assertEquals(0.8f, ScoreMode.TOTAL.combine(12.5f, 0.8f, 0f, 1f), EPS);
    }

    @Test
    void multiplyMultipliesWeightedScores() {
        assertEquals(10.0f, ScoreMode.MULTIPLY.combine(12.5f, 0.8f, 1f, 1f), EPS);
        // (2 * 12.5) * (0.5 * 0.8)
        assertEquals(10.0f, ScoreMode.MULTIPLY.combine(12.5f, 0.8f, 2f, 0.5f), EPS);
        assertEquals(0f, ScoreMode.MULTIPLY.combine(12.5f, 0f, 1f, 1f), EPS);
    }

    @Test
    void hitsOutsideTheWindowKeepTheirFirstStageScore() {
        assertEquals(7f, ScoreMode.REPLACE.outsideWindow(7f, 3f), EPS);
        assertEquals(21f, ScoreMode.TOTAL.outsideWindow(7f, 3f), EPS);
        assertEquals(21f, ScoreMode.MULTIPLY.outsideWindow(7f, 3f), EPS);
    }

    @Test
    void dslNamesRoundTrip() {
        for (ScoreMode mode : ScoreMode.values()) {
            assertEquals(mode, ScoreMode.fromDsl(mode.dslName()));
        }
        for (OnFailure mode : OnFailure.values()) {
            assertEquals(mode, OnFailure.fromDsl(mode.dslName()));
        }
        assertEquals("keep_order", OnFailure.KEEP_ORDER.dslName());
    }
}
