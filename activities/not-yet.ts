// A poll that is not done yet (a member still starting, a learner catching up, a pod still going):
// retried by its activity's retry policy, and BENIGN, so the worker logs it at debug instead of as a
// warning with a stack trace. The workflows see the same failure type, NotYet.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

export const notYet = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ message, type: 'NotYet', nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
