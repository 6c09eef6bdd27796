// The exit-code convention of every shmharness subcommand (README "Commands"). Only cli/ uses it.
#pragma once

namespace shmh::cli {

inline constexpr int kExitOk = 0;       // all checks held / requirement met / nothing left over
inline constexpr int kExitFinding = 1;  // an integrity violation, a limit not met, a leftover found
inline constexpr int kExitUsage = 2;    // bad arguments or an environment that cannot run the check

}  // namespace shmh::cli
