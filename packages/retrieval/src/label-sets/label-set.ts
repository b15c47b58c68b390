import { z } from 'zod';

const placeholder = '{class}';

const template = z
  .string()
  .trim()
  .min(1, 'a template is empty')
  .refine((value) => value.includes(placeholder), `a template must contain ${placeholder}, where each class name goes`);

const labelSetClassDefinition = z.object({
  /** Short, unique within the set; what evaluation labels (file-name prefixes, CSV labels) are matched against. */
  id: z.string().trim().min(1, 'a class needs an id').max(100),
  /** The class name put into each template. */
  name: z.string().trim().min(1, 'a class needs a name').max(300),
  /** Other names for the class; each also fills every template. */
  synonyms: z.array(z.string().trim().min(1).max(300)).default([]),
  /** Whole prompts used as they are. */
  prompts: z.array(z.string().trim().min(1).max(1000)).default([]),
  /** Replaces the set's templates for this class. */
  templates: z.array(template).optional(),
});

/** The JSON a label-set file holds (see label-sets/README.md). */
export const labelSetDefinition = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,79}$/,
        'use lower-case letters, digits and dashes (at most 80), like "crc-tissue-types"',
      ),
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).default(''),
    version: z.number().int().positive().optional(),
    /** Softmax sharpness (CLIP's exp(logit_scale)); the ZERO_SHOT_LOGIT_SCALE setting when absent. */
    logit_scale: z.number().positive().max(1000).optional(),
    templates: z.array(template).default([]),
    classes: z.array(labelSetClassDefinition).min(2, 'a label set needs at least two classes').max(200),
  })
  .superRefine((definition, context) => {
    const seen = new Set<string>();
    definition.classes.forEach((labelClass, index) => {
      if (seen.has(labelClass.id))
        context.addIssue({
          code: 'custom',
          path: ['classes', index, 'id'],
          message: `class id "${labelClass.id}" appears twice`,
        });
      seen.add(labelClass.id);
      if (labelClass.prompts.length === 0 && (labelClass.templates ?? definition.templates).length === 0) {
        context.addIssue({
          code: 'custom',
          path: ['classes', index],
          message: `class "${labelClass.id}" has no prompts: give it "prompts", or give the set (or the class) "templates"`,
        });
      }
    });
  });

export type LabelSetDefinition = z.output<typeof labelSetDefinition>;

/** One class with the prompts its embedding is averaged from. */
export interface LabelSetClass {
  id: string;
  name: string;
  /** At least one; distinct. */
  prompts: string[];
}

/** A label set ready to use: every class's prompts expanded from templates × names. */
export interface LabelSet {
  id: string;
  name: string;
  description: string;
  /** Undefined: the caller's default (ZERO_SHOT_LOGIT_SCALE). */
  logitScale: number | undefined;
  classes: LabelSetClass[];
  /** Where it came from: a file path, or `inline` for one sent in a request. */
  origin: string;
  builtIn: boolean;
}

/**
 * Expand a validated definition: each class's prompts are its own `prompts` plus each template
 * filled with its name and every synonym (duplicates dropped, order kept).
 *
 * @example
 * toLabelSet(labelSetDefinition.parse(json), { origin: 'my-set.json', builtIn: false }).classes[0].prompts;
 */
export function toLabelSet(definition: LabelSetDefinition, where: { origin: string; builtIn: boolean }): LabelSet {
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    logitScale: definition.logit_scale,
    classes: definition.classes.map((labelClass) => {
      const names = [labelClass.name, ...labelClass.synonyms];
      const templates = labelClass.templates ?? definition.templates;
      const filled = templates.flatMap((text) => names.map((name) => text.replaceAll(placeholder, name)));
      return { id: labelClass.id, name: labelClass.name, prompts: [...new Set([...labelClass.prompts, ...filled])] };
    }),
    origin: where.origin,
    builtIn: where.builtIn,
  };
}
