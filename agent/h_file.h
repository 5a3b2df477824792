/*
 * h_file.h: the FilePath family of callables (jenkins-callables.md
 * section 4): queries, listing and globbing, mutations, reading and
 * archives.  They arrive inside FilePath$FileCallableWrapper or
 * FilePath$CallableWith (h_monitor.c), which set h->file_path.
 */
#ifndef JNAGENT_AGENT_H_FILE_H
#define JNAGENT_AGENT_H_FILE_H

#include "agent/handlers.h"

extern const struct handler h_file_handlers[];

#endif
