// A fuzz campaign on one target: libFuzzer in -fork mode (crash-resistant: a crash, timeout or
// OOM ends one job, not the campaign) for a given time with N jobs, its new inputs merged into the
// committed corpus (-merge=1 keeps only inputs that add coverage), its crashes reproduced one by
// one, deduplicated by signature, minimised (-minimize_crash=1) into the crashes folder beside a
// text file with the signature and the command that reproduces it.
//
//   CampaignOptions o{.seconds = 600, .jobs = 2, .out_dir = "fuzz-out"};
//   Result<TargetReport> r = run_campaign(default_layout(), "sysv_api", o, [] { return false; });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "fuzz/campaign/catalog.h"
#include "fuzz/campaign/libfuzzer_log.h"

namespace shmh::fuzz {

struct CampaignOptions {
  std::uint64_t seconds = 60;  // per target
  unsigned jobs = 1;           // libFuzzer -fork=N
  std::string out_dir = "fuzz-out";
  bool merge = true;  // merge new inputs into the corpus (a checkout's, or <out_dir>/<target>/corpus when installed)
  std::uint64_t seed = 0;  // 0 = libFuzzer picks
  // A target that fuzzes a user's channel (plugin_ops): "NAME=value" for the fuzzer, its merges,
  // minimisations and reproductions (SHMH_FUZZ_CHANNEL=...).
  std::vector<std::string> env;
  // Where the corpus grows when not in the layout's (a channel's own corpus): the layout's corpus is
  // then read as seeds only. "" = the checkout's, or <out_dir>/<target>/corpus when installed.
  std::string corpus_dir;
  std::string repro_suffix;  // appended to each crash's repro command (" --channel /x/libmine.so")
};

struct CrashReport {
  std::string signature;
  std::string file;              // the minimised reproducer
  std::string repro;             // the command that reproduces it
  std::uint64_t duplicates = 0;  // other inputs with the same signature
};

struct TargetReport {
  std::string target;
  std::uint64_t seconds = 0;  // wall time of the fuzzing phase
  FuzzStats stats;
  std::size_t corpus_before = 0;
  std::size_t corpus_after = 0;
  std::size_t new_inputs = 0;  // merged into the corpus, or (with merge off) found by this run
  std::vector<CrashReport> crashes;
  std::string log;  // the libFuzzer log file
  bool interrupted = false;
};

// Runs the campaign. Errors: the fuzzer binary is missing (build the fuzz preset) or cannot run.
// `interrupted` is polled: when it turns true the fuzzer is stopped and what it found is triaged.
Result<TargetReport> run_campaign(const FuzzLayout& layout, const std::string& target, const CampaignOptions& options,
                                  const std::function<bool()>& interrupted);

// Runs one input through the target (its libFuzzer binary, else its replay binary), output to
// `log`. Returns the signature of the finding ("" when the input passes).
Result<std::string> reproduce(const FuzzLayout& layout, const std::string& target, const std::string& input,
                              const std::string& log, const std::vector<std::string>& env = {});

}  // namespace shmh::fuzz
