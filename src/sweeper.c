/* placeholder: being written */
extern int mc_placeholder_sweeper;
