package dev.kino.schedule;

/**
 * Solves the tiny float32 systems UniPC builds for its rho weights (at most 3x3), the way LAPACK's
 * {@code sgetrf}/{@code sgetrs} behind {@code torch.linalg.solve} does: LU with partial pivoting (the first
 * largest magnitude wins), multipliers scaled by the pivot's reciprocal, then forward and back substitution.
 */
final class SmallSolve {
    private SmallSolve() {
    }

    static float[] solve(float[][] matrix, float[] rhs) {
        int n = rhs.length;
        float[][] a = new float[n][];
        for (int r = 0; r < n; r++) {
            a[r] = matrix[r].clone();
        }
        float[] x = rhs.clone();
        for (int j = 0; j < n; j++) {
            int pivot = j;
            for (int r = j + 1; r < n; r++) {
                if (Math.abs(a[r][j]) > Math.abs(a[pivot][j])) {
                    pivot = r;
                }
            }
            if (a[pivot][j] == 0) {
                throw new ArithmeticException("UniPC's rho system is singular (repeated sigmas?)");
            }
            float[] row = a[pivot];
            a[pivot] = a[j];
            a[j] = row;
            float t = x[pivot];
            x[pivot] = x[j];
            x[j] = t;
            float reciprocal = 1.0f / a[j][j];
            for (int r = j + 1; r < n; r++) {
                float l = a[r][j] * reciprocal;
                a[r][j] = l;
                for (int c = j + 1; c < n; c++) {
                    a[r][c] = a[r][c] - l * a[j][c];
                }
            }
        }
        for (int r = 1; r < n; r++) { // L y = P b (unit diagonal)
            for (int c = 0; c < r; c++) {
                x[r] = x[r] - a[r][c] * x[c];
            }
        }
        for (int k = n - 1; k >= 0; k--) { // U x = y, column by column as strsm does
            x[k] = x[k] / a[k][k];
            for (int r = 0; r < k; r++) {
                x[r] = x[r] - x[k] * a[r][k];
            }
        }
        return x;
    }
}
