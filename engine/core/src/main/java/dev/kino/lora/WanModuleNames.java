package dev.kino.lora;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original Wan repository's module names (what ComfyUI and most LoRA trainers save under
 * {@code diffusion_model.}) translated to diffusers' {@code WanTransformer3DModel} names, which is how Kino's
 * exported graphs name their weights. The table is the one diffusers'
 * {@code _convert_non_diffusers_wan_lora_to_diffusers} applies (lora_conversion_utils.py).
 */
final class WanModuleNames {
    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");
    private static final Map<String, String> IN_BLOCK = Map.ofEntries(
            Map.entry("self_attn.q", "attn1.to_q"), Map.entry("self_attn.k", "attn1.to_k"),
            Map.entry("self_attn.v", "attn1.to_v"), Map.entry("self_attn.o", "attn1.to_out.0"),
            Map.entry("cross_attn.q", "attn2.to_q"), Map.entry("cross_attn.k", "attn2.to_k"),
            Map.entry("cross_attn.v", "attn2.to_v"), Map.entry("cross_attn.o", "attn2.to_out.0"),
            Map.entry("cross_attn.k_img", "attn2.add_k_proj"), Map.entry("cross_attn.v_img", "attn2.add_v_proj"),
            Map.entry("ffn.0", "ffn.net.0.proj"), Map.entry("ffn.2", "ffn.net.2"),
            // norms: diffusers drops their diffs (zeros in every published LoRA); Kino checks that they are
            Map.entry("self_attn.norm_q", "attn1.norm_q"), Map.entry("self_attn.norm_k", "attn1.norm_k"),
            Map.entry("cross_attn.norm_q", "attn2.norm_q"), Map.entry("cross_attn.norm_k", "attn2.norm_k"),
            Map.entry("cross_attn.norm_k_img", "attn2.norm_added_k"), Map.entry("norm3", "norm2"));
    private static final Map<String, String> TOP = Map.ofEntries(
            Map.entry("time_projection.1", "condition_embedder.time_proj"),
            Map.entry("head.head", "proj_out"),
            Map.entry("text_embedding.0", "condition_embedder.text_embedder.linear_1"),
            Map.entry("text_embedding.2", "condition_embedder.text_embedder.linear_2"),
            Map.entry("time_embedding.0", "condition_embedder.time_embedder.linear_1"),
            Map.entry("time_embedding.2", "condition_embedder.time_embedder.linear_2"),
            Map.entry("img_emb.proj.1", "condition_embedder.image_embedder.ff.net.0.proj"),
            Map.entry("img_emb.proj.3", "condition_embedder.image_embedder.ff.net.2"),
            Map.entry("img_emb.proj.0", "condition_embedder.image_embedder.norm1"),
            Map.entry("img_emb.proj.4", "condition_embedder.image_embedder.norm2"));

    private WanModuleNames() {
    }

    /** diffusers' name for the original Wan module {@code name} (no {@code diffusion_model.}), or null. */
    static String toDiffusers(String name) {
        Matcher m = BLOCK.matcher(name);
        if (m.matches()) {
            String inner = IN_BLOCK.get(m.group(2));
            return inner == null ? null : "blocks." + m.group(1) + "." + inner;
        }
        return TOP.get(name);
    }

    /** True for normalisation layers, whose diffs diffusers ignores as zeros. */
    static boolean isNorm(String diffusersName) {
        return diffusersName.contains("norm");
    }
}
