"""The cases of Kino's project-generated scheduler reference files (see make_scheduler_goldens.py).

Each entry of FILES: file key -> (diffusers class, notes, cases). A case gives the constructor arguments
(config_passed) and optionally: noise_seed (stochastic steps draw from torch.Generator('cpu').manual_seed),
set_begin_index (as the Wan pipeline calls it), step_kwargs, steps (the step counts, instead of 1, 4, 10, 25),
and plan = {"sequence_length": L} for dynamic shifting, where the call is what diffusers' LTX-Video pipeline
passes: set_timesteps(sigmas=linspace(1, 1/N, N), mu=calculate_shift(L, ...)) (or, with "sigmas": False,
set_timesteps(N, mu=...) as DPM-Solver accepts).
"""
import numpy as np
from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler)

SD = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}

# Wan 2.1's diffusers scheduler_config.json (UniPC on flow sigmas); flow_shift 3.0 at 480p, 5.0 at 720p.
WAN = {"beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001, "disable_corrector": [],
       "dynamic_thresholding_ratio": 0.995, "final_sigmas_type": "zero", "flow_shift": 3.0,
       "lower_order_final": True, "num_train_timesteps": 1000, "predict_x0": True,
       "prediction_type": "flow_prediction", "rescale_betas_zero_snr": False, "sample_max_value": 1.0,
       "solver_order": 2, "solver_p": None, "solver_type": "bh2", "steps_offset": 0, "thresholding": False,
       "timestep_spacing": "linspace", "trained_betas": None, "use_beta_sigmas": False,
       "use_exponential_sigmas": False, "use_flow_sigmas": True, "use_karras_sigmas": False}

# LTX-Video's diffusers scheduler_config.json (flow-match Euler with dynamic shifting).
LTX = {"base_image_seq_len": 1024, "base_shift": 0.95, "invert_sigmas": False, "max_image_seq_len": 4096,
       "max_shift": 2.05, "num_train_timesteps": 1000, "shift": 1.0, "shift_terminal": 0.1,
       "use_beta_sigmas": False, "use_dynamic_shifting": True, "use_exponential_sigmas": False,
       "use_karras_sigmas": False}

# LTX-Video 704x480, 161 frames: 21 x 15 x 22 latent tokens.
LTX_TOKENS = 6930


def c(name, config, **extra):
    return {"name": name, "config_passed": config, **extra}


FILES = {
    "ddim": (DDIMScheduler, ["eta 0 (step_kwargs); DDIM has no sigmas."], [
        c("ddim_trailing_zero_snr_v", {**SD, "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1,
                                       "prediction_type": "v_prediction", "timestep_spacing": "trailing",
                                       "rescale_betas_zero_snr": True}, step_kwargs={"eta": 0.0}),
        c("ddim_linspace_linear_sample_clip", {"beta_schedule": "linear", "prediction_type": "sample",
                                               "clip_sample": True, "timestep_spacing": "linspace",
                                               "set_alpha_to_one": True}, step_kwargs={"eta": 0.0}),
        c("ddim_cosine_epsilon", {"beta_schedule": "squaredcos_cap_v2", "clip_sample": False,
                                  "set_alpha_to_one": True}, step_kwargs={"eta": 0.0}),
        c("ddim_trained_betas_100", {"num_train_timesteps": 100,
                                     "trained_betas": [float(b) for b in np.linspace(0.001, 0.03, 100)],
                                     "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1},
          step_kwargs={"eta": 0.0}),
    ]),
    "euler": (EulerDiscreteScheduler, ["Euler settings the shared file does not cover."], [
        c("euler_v_leading", {**SD, "prediction_type": "v_prediction", "timestep_spacing": "leading",
                              "steps_offset": 1}),
        c("euler_trailing_zero_snr_v", {**SD, "prediction_type": "v_prediction", "timestep_spacing": "trailing",
                                        "rescale_betas_zero_snr": True}),
        c("euler_exponential", {**SD, "use_exponential_sigmas": True}),
        c("euler_karras_final_sigma_min", {**SD, "use_karras_sigmas": True, "final_sigmas_type": "sigma_min"}),
        c("euler_continuous_v", {**SD, "prediction_type": "v_prediction", "timestep_type": "continuous"}),
        c("euler_sample", {**SD, "prediction_type": "sample"}),
    ]),
    "euler_ancestral": (EulerAncestralDiscreteScheduler, [
        "Stochastic: every step draws torch.randn(latent shape) from the run's CPU generator (noise.seed)."], [
        c("euler_a_epsilon", dict(SD), noise_seed=0),
        c("euler_a_v_leading", {**SD, "prediction_type": "v_prediction", "timestep_spacing": "leading",
                                "steps_offset": 1}, noise_seed=42),
        c("euler_a_trailing_zero_snr_v", {**SD, "prediction_type": "v_prediction", "timestep_spacing": "trailing",
                                          "rescale_betas_zero_snr": True}, noise_seed=7),
    ]),
    "dpmsolver_multistep": (DPMSolverMultistepScheduler, ["DPM-Solver++ settings the shared file does not cover."], [
        c("dpmpp2m_karras_epsilon", {**SD, "use_karras_sigmas": True}),
        c("dpmpp2m_v_prediction", {**SD, "prediction_type": "v_prediction"}),
        c("dpmpp3m_epsilon", {**SD, "solver_order": 3}),
        c("dpmpp2m_heun_final_sigma_min", {**SD, "solver_type": "heun", "final_sigmas_type": "sigma_min"}),
        c("dpmpp2m_euler_at_final_no_lower_order", {**SD, "euler_at_final": True, "lower_order_final": False,
                                                    "final_sigmas_type": "sigma_min"}),
        c("dpmpp2m_lu_lambdas", {**SD, "use_lu_lambdas": True}),
        c("dpmpp2m_exponential", {**SD, "use_exponential_sigmas": True}),
        c("dpmpp2m_leading_offset", {**SD, "timestep_spacing": "leading", "steps_offset": 1}),
        c("dpmpp2m_trailing", {**SD, "timestep_spacing": "trailing"}),
        c("dpmpp2m_linear_lambda_clipped", {"beta_schedule": "linear", "lambda_min_clipped": -4.5}),
        # 15 steps: diffusers' lower_order_final applies below 15 steps only (the default runs have 10 and 25)
        c("dpmpp3m_lower_order_final_15", {**SD, "solver_order": 3}, steps=(14, 15)),
        c("dpmpp2m_sigma_min_lower_order_final_15", {**SD, "final_sigmas_type": "sigma_min"}, steps=(14, 15)),
        c("dpmpp2m_sample", {**SD, "prediction_type": "sample"}),
        c("dpmpp2m_flow_wan", {"beta_schedule": "linear", "use_flow_sigmas": True, "flow_shift": 3.0,
                               "prediction_type": "flow_prediction"}, set_begin_index=0),
        c("dpmpp2m_flow_dynamic", {"use_flow_sigmas": True, "prediction_type": "flow_prediction",
                                   "use_dynamic_shifting": True}, plan={"sequence_length": 1560, "sigmas": False}),
    ]),
    "unipc": (UniPCMultistepScheduler, ["UniPC (B(h) predictor-corrector), including Wan 2.1's flow form."], [
        c("unipc_epsilon", dict(SD)),
        c("unipc_flow_wan_shift3", dict(WAN), set_begin_index=0),
        c("unipc_flow_wan_shift5", {**WAN, "flow_shift": 5.0}, set_begin_index=0),
        c("unipc_karras_v", {**SD, "use_karras_sigmas": True, "prediction_type": "v_prediction"}),
        # Both end at the smallest training sigma: at sigma 0 diffusers' bh1 and noise-form updates give NaN.
        c("unipc_bh1_order3", {**SD, "solver_type": "bh1", "solver_order": 3, "final_sigmas_type": "sigma_min"}),
        c("unipc_noise_form", {**SD, "predict_x0": False, "final_sigmas_type": "sigma_min"}),
        c("unipc_noise_form_v", {**SD, "predict_x0": False, "prediction_type": "v_prediction",
                                 "final_sigmas_type": "sigma_min"}),
        c("unipc_noise_form_sample", {**SD, "predict_x0": False, "prediction_type": "sample",
                                      "final_sigmas_type": "sigma_min"}),
        c("unipc_flow_karras", {"use_flow_sigmas": True, "use_karras_sigmas": True, "flow_shift": 3.0,
                                "prediction_type": "flow_prediction"}),
        c("unipc_disable_corrector_trailing", {**SD, "disable_corrector": [0, 2], "timestep_spacing": "trailing",
                                               "final_sigmas_type": "sigma_min"}),
        c("unipc_no_lower_order_final_sigma_min", {**SD, "lower_order_final": False, "final_sigmas_type": "sigma_min"}),
        c("unipc_flow_dynamic_terminal", {"use_flow_sigmas": True, "prediction_type": "flow_prediction",
                                          "use_dynamic_shifting": True, "shift_terminal": 0.1},
          plan={"sequence_length": LTX_TOKENS}),
    ]),
    "flow_match_euler": (FlowMatchEulerDiscreteScheduler, [
        "Dynamic shifting follows diffusers' LTX-Video pipeline: set_timesteps(sigmas=linspace(1, 1/N, N), "
        "mu=calculate_shift(kino_sequence_length, base_image_seq_len, max_image_seq_len, base_shift, max_shift)). "
        "For N=1 with shift_terminal diffusers produces a NaN sigma (0/0): stored as null, no trajectory."], [
        c("flow_euler_ltx_dynamic", dict(LTX), plan={"sequence_length": LTX_TOKENS}),
        c("flow_euler_linear_time_shift", {**LTX, "time_shift_type": "linear", "shift_terminal": None},
          plan={"sequence_length": 4096}),
        c("flow_euler_karras_shift3", {"shift": 3.0, "use_karras_sigmas": True}),
        c("flow_euler_exponential_shift5", {"shift": 5.0, "use_exponential_sigmas": True}),
        c("flow_euler_terminal_static", {"shift": 3.0, "shift_terminal": 0.05}),
        c("flow_euler_invert", {"shift": 2.0, "invert_sigmas": True}),
        c("flow_euler_stochastic", {"shift": 3.0, "stochastic_sampling": True}, noise_seed=3),
    ]),
}
