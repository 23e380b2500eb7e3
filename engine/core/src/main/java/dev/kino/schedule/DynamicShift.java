package dev.kino.schedule;

/**
 * Resolution-dependent shifting of flow-matching sigmas ({@code use_dynamic_shifting}): the shift exponent
 * {@code mu} grows linearly with the number of tokens the denoiser sees, as diffusers' LTX-Video pipeline
 * computes it ({@code calculate_shift}) from the scheduler config's {@code base_image_seq_len},
 * {@code max_image_seq_len}, {@code base_shift} and {@code max_shift}.
 */
record DynamicShift(String type, double baseSeqLen, double maxSeqLen, double baseShift, double maxShift) {

    /** Reads the keys (so they count as understood); null when {@code use_dynamic_shifting} is off. */
    static DynamicShift read(SchedulerConfig config) {
        boolean enabled = config.getBoolean("use_dynamic_shifting", false);
        String type = config.getString("time_shift_type", "exponential");
        if (!"exponential".equals(type) && !"linear".equals(type)) {
            throw new SchedulerException("Scheduler setting 'time_shift_type' is '" + type
                    + "'; use exponential or linear.");
        }
        // The LTX pipeline reads these with config.get(key, default) and these defaults.
        double base = config.getDouble("base_image_seq_len", 256);
        double max = config.getDouble("max_image_seq_len", 4096);
        double baseShift = config.getDouble("base_shift", 0.5);
        double maxShift = config.getDouble("max_shift", 1.15);
        return enabled ? new DynamicShift(type, base, max, baseShift, maxShift) : null;
    }

    /** {@code mu} for a denoiser input of {@code sequenceLength} tokens. */
    double mu(int sequenceLength) {
        if (sequenceLength <= 0) {
            throw new SchedulerException("This scheduler shifts its sigmas by the sequence length "
                    + "(use_dynamic_shifting), so setTimesteps needs the token count, not " + sequenceLength + ".");
        }
        return SigmaSchedules.calculateShift(sequenceLength, baseSeqLen, maxSeqLen, baseShift, maxShift);
    }
}
